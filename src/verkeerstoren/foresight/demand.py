"""Demand per sector and year: care-use rates per sex × age group times the projected
population, then the scenario's levers (``scenarios.py``). Pure arithmetic on arrays; the
service gathers the projections and the rates.

demand[year] = Σ_gemeente Σ_sex Σ_age rate[gemeente, sex, age] × population[gemeente, year,
sex, age]; the index divides by the base year (2024 = 100).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from verkeerstoren.foresight.population import PopulationProjection
from verkeerstoren.foresight.rates import Rates, Sector
from verkeerstoren.foresight.scenarios import SUBSTITUTION_COST_RATIO, Levers, phase

BASE_YEAR = 2024
Series = NDArray[np.float64]


def years_from(projection: PopulationProjection, base_year: int = BASE_YEAR) -> list[int]:
    """The projection's years from the base year on (a projection may start earlier)."""
    if base_year not in projection.years:
        from verkeerstoren.errors import ValidationProblem

        raise ValidationProblem("area_code", "The projection of {area} does not cover {year}.",
                                params={"area": projection.area_name, "year": base_year})
    return [y for y in projection.years if y >= base_year]


def raw_demand(projections: list[PopulationProjection], rates: list[Rates],
               base_year: int = BASE_YEAR) -> Series:
    """Σ rate × population over the gemeenten, sexes and age groups, per year from the base."""
    total: Series | None = None
    for projection, rate in zip(projections, rates, strict=True):
        first = projection.years.index(base_year)
        part = np.einsum("ysa,sa->y", projection.counts[first:], rate)
        total = part if total is None else total + part
    assert total is not None
    return np.asarray(total, dtype=np.float64)


def index(series: Series) -> Series:
    """The series with its first (base) year as 100."""
    if series[0] == 0:
        return np.zeros_like(series)
    return np.asarray(series / series[0] * 100, dtype=np.float64)


def with_levers(raw: dict[str, Series], sectors: dict[str, Sector], years: list[int],
                levers: Levers, euros: tuple[Series, Series]) -> dict[str, Series]:
    """The levers applied to each sector's demand.

    ``euros`` are the hospital and GP demand in Vektis euros: substitution moves a share of
    hospital care to GP care at ``SUBSTITUTION_COST_RATIO`` of its cost, computed in euros and
    applied to GP care as a relative increase, so it holds whatever unit GP care is entered in.
    """
    phases = np.array([phase(y, years[0]) for y in years])
    prevention = 1 - levers.prevention_percent / 100 * phases
    out = {key: series * prevention for key, series in raw.items()}
    for key, sector in sectors.items():
        if sector.bed_sector and key in out:
            out[key] = out[key] * (1 + levers.length_of_stay_percent / 100 * phases)
    moved = levers.substitution_percent / 100 * phases
    if moved.any():
        hospital_eur, gp_eur = (e * prevention for e in euros)
        if "hospital" in out:
            out["hospital"] = out["hospital"] * (1 - moved)
        if "gp" in out:
            extra = moved * hospital_eur * SUBSTITUTION_COST_RATIO / np.maximum(gp_eur, 1e-9)
            out["gp"] = out["gp"] * (1 + extra)
    return out


def mantelzorg_potential(projection: PopulationProjection) -> Series:
    """People aged 50–74 per person aged 85+, per year of the projection."""
    carers = projection.aged(50, 74)
    oldest = projection.aged(85)
    return np.asarray(np.where(oldest > 0, carers / np.maximum(oldest, 1e-9), np.nan),
                      dtype=np.float64)
