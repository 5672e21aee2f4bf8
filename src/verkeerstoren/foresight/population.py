"""Population projection (S2, issue 16 item 1): a cohort-component model per gemeente, demo
region and the Netherlands, by sex and 5-year age group (the 19 classes Vektis 2015 uses)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

AGE_GROUPS: tuple[str, ...] = (*(f"{a}-{a + 4}" for a in range(0, 90, 5)), "90+")
SEXES: tuple[str, ...] = ("male", "female")
MIGRATION_FACTOR_MAX = 3.0


@dataclass(frozen=True)
class PopulationLevers:
    """Scenario levers of the projection."""

    migration_factor: float = 1.0  # net migration multiplied by this, 0..3


@dataclass(frozen=True)
class PopulationProjection:
    """Population on 1 January of each year: counts[year, sex, age group]."""

    area_code: str  # "GM0637", "NL01", or a demo region code "RG_<name>"
    area_name: str
    years: tuple[int, ...]
    counts: NDArray[np.float64] = field(repr=False)
    method: str
    assumptions: tuple[str, ...]

    def total(self) -> NDArray[np.float64]:
        """Persons per year."""
        return np.asarray(self.counts.sum(axis=(1, 2)), dtype=np.float64)

    def aged(self, lo: int, hi: int | None = None) -> NDArray[np.float64]:
        """Persons aged lo..hi (inclusive, on 5-year bounds; hi None = no upper bound) per year."""
        if lo % 5 or (hi is not None and (hi + 1) % 5):
            raise ValueError("age bounds must fall on 5-year group bounds (lo 65, hi 79)")
        first = min(lo // 5, len(AGE_GROUPS) - 1)
        last = len(AGE_GROUPS) if hi is None else min((hi + 1) // 5, len(AGE_GROUPS))
        return np.asarray(self.counts[:, :, first:last].sum(axis=(1, 2)), dtype=np.float64)


def make_projection(area_code: str, counts: NDArray[np.float64], *, base_year: int = 2024,
                    area_name: str = "", method: str = "test",
                    assumptions: tuple[str, ...] = ()) -> PopulationProjection:
    """A hand-made projection for tests and fixtures: counts of shape (years, 2, 19)."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 3 or counts.shape[1:] != (len(SEXES), len(AGE_GROUPS)):
        raise ValueError(f"counts must have shape (years, 2, 19), not {counts.shape}")
    years = tuple(range(base_year, base_year + counts.shape[0]))
    return PopulationProjection(area_code, area_name or area_code, years, counts, method,
                                assumptions)


def project_area(session: Session, area_code: str, until: int = 2040,
                 levers: PopulationLevers = PopulationLevers()) -> PopulationProjection:
    """Project one area (gemeente, demo region or NL01) from its base year to 1 January `until`."""
    raise NotImplementedError


def areas(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every area one can project: the demo regions, their gemeenten, NL."""
    raise NotImplementedError
