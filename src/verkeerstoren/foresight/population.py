"""Population projection (S2, issue 16 item 1): a cohort-component model per gemeente, demo
region and the Netherlands, by sex and 5-year age group (the 19 classes Vektis 2015 uses)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight import inputs
from verkeerstoren.opendata.models import AreaValue, DataSet
from verkeerstoren.registry.models import Gemeente, Region

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


REGION_PREFIX = "RG"  # a registry region as an area: "RG" + its id ("RG1")
FIRST_YEAR = 2012  # the first year of CBS population dynamics the model is fitted on
MAX_UNTIL = 2060
DYNAMICS_KEY = "cbs_population_dynamics"
ASSUMPTIONS: tuple[str, ...] = (
    "Base population by sex and 5-year age group: Vektis Zvw 2015 insured-years per gemeente, "
    "scaled to the CBS kerncijfers 2015 shares of nine age groups.",
    "Births, deaths and net migration 2015-2023 as CBS counted them; they age the 2015 "
    "structure to the base year.",
    "Mortality by age (not published per gemeente): a rounded schedule with the shape of Dutch "
    "death rates of the 2010s, scaled to the gemeente's observed deaths.",
    "Fertility by mother's age (not published per gemeente): the Dutch age shape of the 2010s, "
    "scaled to the gemeente's observed births; 105 boys per 100 girls.",
    "Age profile of net migration (not published per gemeente): a Rogers-Castro model "
    "schedule (young adults and their children), the same for men and women.",
    "Future migration: moves between gemeenten as their exponentially smoothed 2012-2023 level "
    "(weight 0.5 on each latest year); immigration and emigration as the gemeente's part of the "
    "national flows (half its own 2012-2023 share, half its share of the population) times the "
    "national trend line, continued with damping 0.8 (at most four more years of its slope).",
    "Rates held constant after the base year (no further change in mortality or fertility).",
)


def area_value_frame(session: Session, codes: list[str]) -> pl.DataFrame:
    """The stored open-data figures the model reads, for these areas and NL."""
    wanted = [*inputs.INDICATORS, inputs.BASE_INDICATOR, *inputs.CBS_AGE_SHARES]
    query = (select(AreaValue.area_code, AreaValue.indicator, AreaValue.subgroup,
                    AreaValue.year, AreaValue.value)
             .join(DataSet, DataSet.id == AreaValue.dataset_id)
             .where(AreaValue.area_code.in_([*codes, inputs.NL]),
                    AreaValue.indicator.in_(wanted),
                    DataSet.key.in_([DYNAMICS_KEY, "vektis_zvw", "cbs_kerncijfers"]),
                    # Kerncijfers also count deaths; the dynamics are the one source of them.
                    (DataSet.key != "cbs_kerncijfers")
                    | AreaValue.indicator.in_(list(inputs.CBS_AGE_SHARES))))
    rows = session.connection().execute(query).all()
    return pl.DataFrame(rows, schema=FRAME_SCHEMA, orient="row")


FRAME_SCHEMA = {"area_code": pl.String, "indicator": pl.String, "subgroup": pl.String,
                "year": pl.Int32, "value": pl.Float64}


def _registered(session: Session) -> tuple[dict[str, str], dict[str, tuple[str, list[str]]]]:
    """Gemeenten of the registry's regions (code → name) and the regions (code → name,
    gemeenten)."""
    gemeenten: dict[str, str] = {}
    regions: dict[str, tuple[str, list[str]]] = {}
    rows = session.execute(select(Gemeente.code, Gemeente.name, Region.id, Region.name)
                           .join(Region, Region.id == Gemeente.region_id)
                           .order_by(Region.name, Gemeente.name))
    for code, name, region_id, region_name in rows:
        gemeenten[code] = name
        regions.setdefault(f"{REGION_PREFIX}{region_id}", (region_name, []))[1].append(code)
    return gemeenten, regions


def registered_regions(session: Session) -> dict[str, tuple[str, list[str]]]:
    """Region code → (name, its gemeenten)."""
    return _registered(session)[1]


def areas(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every area one can project: the demo regions, their gemeenten, NL."""
    gemeenten, regions = _registered(session)
    return [*((code, name) for code, (name, _) in regions.items()),
            *sorted(gemeenten.items(), key=lambda item: item[1]), (inputs.NL, "Nederland")]


def resolve(session: Session, area_code: str) -> tuple[str, list[str]]:
    """The area's name and the gemeenten (or NL01) whose projections add up to it."""
    gemeenten, regions = _registered(session)
    if area_code == inputs.NL:
        return "Nederland", [inputs.NL]
    if area_code in regions:
        return regions[area_code]
    if area_code in gemeenten:
        return gemeenten[area_code], [area_code]
    raise ValidationProblem("area", "unknown area {code}: choose a region, one of its "
                                    "gemeenten or NL01", code=area_code)


def check_levers(levers: PopulationLevers, until: int, base_year: int = 2024) -> None:
    """Refuse a lever or horizon outside its range, naming it."""
    if not 0.0 <= levers.migration_factor <= MIGRATION_FACTOR_MAX:
        raise ValidationProblem("migration_factor", "the migration factor must lie between 0 "
                                "and {high}", high=MIGRATION_FACTOR_MAX)
    if not base_year <= until <= MAX_UNTIL:
        raise ValidationProblem("until", "the horizon must lie between {low} and {high}",
                                low=base_year, high=MAX_UNTIL)


def observed(session: Session, codes: list[str]) -> inputs.Observed:
    """The model's inputs for these gemeenten (or NL01), refused when one lacks age data."""
    obs = inputs.observe(area_value_frame(session, codes), codes)
    if obs.base_year not in obs.years:
        raise ValidationProblem("area", "the population dynamics do not cover {year}, the year "
                                        "of the age structure", year=obs.base_year)
    for i, code in enumerate(codes):
        if np.isnan(obs.base[i]).any():
            raise ValidationProblem("area", "no population by age for {code}: load the Vektis "
                                            "2015 open data (import-opendata)", code=code)
        last = obs.population[i, -1]
        if np.isnan(last) or np.isnan(obs.components["births"][i]).all():
            raise ValidationProblem("area", "no CBS population dynamics for {code}: load "
                                            "them (import-opendata)", code=code)
        # The fit reads every year from the first: a gap would make every rate unknown.
        if any(np.isnan(v[i]).any() for v in obs.components.values()) \
                or np.isnan(obs.population[i]).any() \
                or any(np.isnan(v).any() for v in obs.national.values()):
            raise ValidationProblem("area", "the CBS population dynamics of {code} miss a year "
                                            "since {year}", code=code, year=obs.years[0])
    return obs


def project_observed(obs: inputs.Observed, until: int,
                     levers: PopulationLevers) -> tuple[tuple[int, ...], NDArray[np.float64]]:
    """Fit on every observed year and project to ``until``: (years, counts (years, areas, 2,
    19))."""
    return inputs.run(obs, max(FIRST_YEAR, obs.years[0]), obs.years[-1], until,
                      levers.migration_factor)


def project_area(session: Session, area_code: str, until: int = 2040,
                 levers: PopulationLevers = PopulationLevers()) -> PopulationProjection:
    """Project one area (gemeente, demo region or NL01) from its base year to 1 January
    `until`; a region is the sum of its gemeenten's projections."""
    check_levers(levers, until)
    name, codes = resolve(session, area_code)
    obs = observed(session, codes)
    years, counts = project_observed(obs, until, levers)
    return PopulationProjection(area_code, name, years, counts.sum(axis=1), METHOD, ASSUMPTIONS)


METHOD = "cohort-component"
