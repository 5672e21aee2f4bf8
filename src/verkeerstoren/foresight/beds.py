"""Beds needed per year to 2040 for the same admission guarantee (issue 16 item 6, last part).

Today's arrivals and mean stay come from what the tower observed (``planning.observed``:
placement requests and Little's law on reported occupancy) or are entered. The arrivals of a
later year are today's times the growth of the population of the bed type's age group (75+ for
ELV and multifunctional beds: most of their patients are that old), the stay changes with the
scenario's length-of-stay lever, and the Erlang loss model gives the beds for 95 % and 99 %.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight.outlook import Projections, Projector, members
from verkeerstoren.foresight.scenarios import ALL, REFERENCE, phase
from verkeerstoren.foresight.schemas import BedsPerYearIn, BedsPerYearOut, BedsYearOut
from verkeerstoren.planning import defaults, erlang, observed
from verkeerstoren.region_time import today
from verkeerstoren.registry.models import BedType, Gemeente

# The age from which a bed type's patients are counted (its arrivals grow with that group).
AGE_FROM: dict[str, int] = {
    "short_stay_low": 75, "short_stay_high": 75, "short_stay_palliative": 75,
    "multifunctional": 75, "geriatric_rehab": 65, "ltc_crisis": 75, "ltc_respite": 75,
    "observation": 75, "hospice": 65,
}
WINDOW_DAYS = 90
METHOD = ("Erlang loss model per year: arrivals observed in the last 90 days (or entered) × "
          "growth of the bed type's age group in the population projection, mean stay by "
          "Little's law (or entered) × the scenario's length-of-stay lever.")


def _observed_area(session: Session, area_code: str) -> observed.Area:
    if area_code.startswith("GM"):
        return observed.Area(gemeente_code=area_code)
    _, gemeenten = members(session, area_code)
    region_id = session.scalar(select(Gemeente.region_id)
                               .where(Gemeente.code == gemeenten[0][0]))
    return observed.Area(region_id=region_id)


def beds_per_year(session: Session, data: BedsPerYearIn,
                  project: Projector | None = None) -> BedsPerYearOut:
    """Beds for 95 % and 99 % per year from 2024 to ``until``. Writes nothing."""
    bed_type = session.get(BedType, data.bed_type)
    if bed_type is None:
        raise ValidationProblem("bed_type", "Unknown bed type {code}.",
                                params={"code": data.bed_type})
    area_name, gemeenten = members(session, data.area_code)
    area = _observed_area(session, data.area_code)
    seen = observed.observe(session, data.bed_type, area, end=today(), days=WINDOW_DAYS)
    # Too thin a history (the demo's 1–3 requests) gives no estimate: entered or default
    # inputs instead, labelled so (planning/defaults.py).
    chosen = defaults.choose(session, data.bed_type, area, seen, data.arrivals_per_day,
                             data.mean_stay_days)
    arrivals = chosen.arrivals_per_day or 0.0
    stay = chosen.mean_stay_days
    if arrivals <= 0:
        raise ValidationProblem(
            "arrivals_per_day",
            "Too few requests for this bed type in the area to estimate from, and no beds of "
            "it in the registry; enter the arrivals per day.")
    if stay is None:
        raise ValidationProblem("mean_stay_days",
                                "No reported occupancy for this bed type in the area; enter "
                                "the mean length of stay.")
    scenario = ALL[data.scenario] if data.scenario else REFERENCE
    made = Projections(session, [c for c, _ in gemeenten], data.until, project)
    projections = made.get(scenario.levers.migration_factor)
    age = AGE_FROM.get(data.bed_type, 0)
    years = [y for y in projections[0].years if y >= 2024]
    group = np.sum([p.aged(age)[p.years.index(2024):] for p in projections], axis=0)
    rows: list[BedsYearOut] = []
    for i, year in enumerate(years):
        growth = float(group[i] / group[0]) if group[0] else 1.0
        year_stay = stay * (1 + scenario.levers.length_of_stay_percent / 100
                            * phase(year, years[0]))
        load = arrivals * growth * year_stay
        rows.append(BedsYearOut(year=year, arrivals_per_day=arrivals * growth,
                                beds_95=erlang.beds_needed(load, 0.95).beds,
                                beds_99=erlang.beds_needed(load, 0.99).beds))
    return BedsPerYearOut(
        area_code=data.area_code, area_name=area_name, bed_type=bed_type.code,
        bed_type_name=bed_type.name, age_group=f"{age}+" if age else "all ages",
        method=METHOD,
        arrivals_source=chosen.arrivals_source, stay_source=chosen.stay_source,
        observed_requests=seen.requests, observed_days=WINDOW_DAYS,
        thin_history=chosen.thin, registered_beds=chosen.registered_beds,
        inputs_note=defaults.note_text(chosen, seen, WINDOW_DAYS),
        mean_stay_days=stay, years=rows, population_source=made.population_source)
