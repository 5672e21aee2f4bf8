"""Staff per sector projected forward, the FTE the demand needs, and the gap: the zorgkloof.

Supply (persons, then FTE):
  persons[t+1] = persons[t] + inflow × (1 + inflow lever) − persons[t] × outflow rate ×
  (1 + outflow lever) − retirements[t]
  FTE[t] = persons[t] × part-time factor (FTE per person)
Retirement from the age profile: those aged 60+ in the base year retire evenly over the next
7 years (retirement at 67), those aged 55–59 over the 5 years after; from then on the 55–59
rate continues (younger cohorts assumed as large).
Need:
  FTE needed[t] = (FTE[base] + vacancies[base]) × demand[t] / demand[base] / productivity[t]
with productivity[t] = (1 + lever)^(t − base): the base year's staff plus its open vacancies is
what today's demand takes; the need grows with demand and shrinks with productivity.
The zorgkloof is FTE needed − FTE available (positive: too few staff).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verkeerstoren.foresight.demand import Series
from verkeerstoren.foresight.scenarios import Levers, phase

RETIRE_60_YEARS = 7
RETIRE_55_YEARS = 5


@dataclass(frozen=True)
class Workforce:
    """A sector's staff in the base year."""

    sector: str
    persons: float
    part_time_factor: float  # FTE per person, 0–1
    vacancies_fte: float
    inflow_persons: float  # per year
    outflow_percent: float  # per year, besides retirement
    aged_55_59_percent: float
    aged_60_plus_percent: float
    invented: bool = False
    source: str = "entered"  # where the figures come from, shown beside them


def retirements(w: Workforce, step: int) -> float:
    """Persons retiring in the ``step``-th year after the base year (1, 2, …)."""
    if step <= RETIRE_60_YEARS:
        return w.persons * w.aged_60_plus_percent / 100 / RETIRE_60_YEARS
    return w.persons * w.aged_55_59_percent / 100 / RETIRE_55_YEARS


def supply_fte(w: Workforce, years: list[int], levers: Levers) -> Series:
    """FTE available per year from the base year."""
    persons = [w.persons]
    for step, year in enumerate(years[1:], start=1):
        p = phase(year, years[0])
        inflow = w.inflow_persons * (1 + levers.inflow_percent / 100 * p)
        outflow = persons[-1] * w.outflow_percent / 100 * (1 + levers.outflow_percent / 100 * p)
        persons.append(max(persons[-1] + inflow - outflow - retirements(w, step), 0.0))
    return np.asarray(persons, dtype=np.float64) * w.part_time_factor


def needed_fte(w: Workforce, demand: Series, years: list[int], levers: Levers) -> Series:
    """FTE the demand needs per year (see the module text)."""
    base = w.persons * w.part_time_factor + w.vacancies_fte
    growth = demand / demand[0] if demand[0] else np.ones_like(demand)
    productivity = (1 + levers.productivity_percent / 100) ** np.array(
        [y - years[0] for y in years], dtype=np.float64)
    return np.asarray(base * growth / productivity, dtype=np.float64)


# Invented demo staffing per 1,000 inhabitants (persons), with part-time factor, vacancy rate,
# yearly outflow and age profile: of the right order for Dutch care, not any region's figures.
# (persons per 1,000, FTE per person, vacancies % of FTE, outflow %/yr, 55–59 %, 60+ %)
DEMO_STAFFING: dict[str, tuple[float, float, float, float, float, float]] = {
    "gp": (2.3, 0.70, 4.0, 7.0, 10.0, 12.0),
    "district_nursing": (3.5, 0.65, 6.0, 9.0, 11.0, 13.0),
    "hospital": (15.0, 0.75, 3.0, 7.0, 9.0, 11.0),
    "emergency": (0.4, 0.85, 3.0, 6.0, 8.0, 8.0),
    "nursing_home": (14.0, 0.60, 5.0, 10.0, 11.0, 14.0),
    "mental_health": (5.0, 0.75, 5.0, 8.0, 9.0, 12.0),
    "short_stay": (0.8, 0.65, 6.0, 9.0, 10.0, 13.0),
}


def demo_workforce(sector: str, population: float) -> Workforce | None:
    """Invented staff for a sector of an area of ``population`` inhabitants; inflow set so the
    staff would stay level without retirement of the older staff (then it shrinks)."""
    if sector not in DEMO_STAFFING:
        return None
    per_1000, ptf, vacancies, outflow, aged_55, aged_60 = DEMO_STAFFING[sector]
    persons = per_1000 * population / 1000
    return Workforce(sector, persons, ptf, persons * ptf * vacancies / 100,
                     inflow_persons=persons * outflow / 100, outflow_percent=outflow,
                     aged_55_59_percent=aged_55, aged_60_plus_percent=aged_60, invented=True,
                     source="invented demo figures")
