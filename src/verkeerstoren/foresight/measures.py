"""Forecast measures: the projections as computed indicators the monitoring can bind a KPI to
(issue 16 item 7). ``forecast_measures()`` lists them; ``forecast_value()`` gives one figure
for an area, year and scenario, computed on demand from the projection (nothing stored).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session

from verkeerstoren import validation
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight import beds, outlook, rates
from verkeerstoren.foresight.scenarios import ALL
from verkeerstoren.foresight.schemas import BedsPerYearIn, OutlookIn
from verkeerstoren.web.i18n import translator


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # English msgid
    unit: str  # English msgid


BED_TYPES = ("multifunctional", "short_stay_high", "short_stay_low")
MEASURES: tuple[Measure, ...] = (
    Measure("population_65plus", "Population aged 65+ (projection)", "persons"),
    Measure("population_80plus", "Population aged 80+ (projection)", "persons"),
    Measure("mantelzorg_potential", "Informal-care potential (aged 50-74 per person 85+)",
            "ratio"),
    Measure("gap_fte_total", "Zorgkloof: FTE needed minus FTE available", "FTE"),
    *(Measure(f"demand_index.{s.key}", f"Demand index: {s.label}", "index 2024 = 100")
      for s in rates.SECTORS),
    *(Measure(f"beds_{level}.{bed}", f"Beds needed for {level} % admission: {{bed}}", "beds")
      for bed in BED_TYPES for level in (95, 99)),
)
BY_KEY = {m.key: m for m in MEASURES}
BED_NAMES = {"multifunctional": "Multifunctioneel bed", "short_stay_high": "ELV hoog complex",
             "short_stay_low": "ELV laag complex"}


def forecast_measures(locale: str = "nl") -> list[tuple[str, str, str]]:
    """(key, label, unit) of every forecast measure, labels in ``locale`` (Dutch default)."""
    _ = translator(locale)
    out = []
    for m in MEASURES:
        bed = m.key.split(".", 1)[1] if m.key.startswith("beds_") else ""
        label = m.label
        if m.key.startswith("demand_index."):
            sector = rates.BY_KEY[m.key.split(".", 1)[1]]
            label = _("Demand index: {sector}", sector=_(sector.label))
        else:
            label = _(m.label, bed=BED_NAMES.get(bed, bed)) if bed else _(m.label)
        out.append((m.key, label, _(m.unit)))
    return out


def forecast_value(session: Session, area_code: str, measure_key: str, year: int,
                   scenario: str | None = None) -> float:
    """One forecast figure: ``measure_key`` for ``area_code`` (GMxxxx or RG_<region>) on
    1 January ``year`` (2024–2040) under a named scenario (None: the reference)."""
    if measure_key not in BY_KEY:
        raise ValidationProblem("measure_key", "Unknown forecast measure {key}.",
                                params={"key": measure_key})
    if not 2024 <= year <= 2040:
        raise ValidationProblem("year", "A forecast year lies between 2024 and 2040.")
    if scenario is not None and scenario not in ALL:
        raise ValidationProblem("scenario", "Unknown scenario {key}.", params={"key": scenario})
    until = max(year, 2025)
    try:
        return _value(session, area_code, measure_key, year, until, scenario)
    except PydanticError as error:
        raise validation.problems(error)[0] from error


def _value(session: Session, area_code: str, measure_key: str, year: int, until: int,
           scenario: str | None) -> float:
    if measure_key.startswith("beds_"):
        level, bed = measure_key.removeprefix("beds_").split(".", 1)
        plan = beds.beds_per_year(session, BedsPerYearIn(area_code=area_code, bed_type=bed,
                                                         until=until, scenario=scenario))
        row = next(r for r in plan.years if r.year == year)
        return float(row.beds_95 if level == "95" else row.beds_99)
    result = outlook.outlook(session, OutlookIn(area_code=area_code, until=until,
                                                scenario=scenario))
    i = result.years.index(year)
    if measure_key == "population_65plus":
        return result.aged_65_plus[i]
    if measure_key == "population_80plus":
        return result.aged_80_plus[i]
    if measure_key == "mantelzorg_potential":
        value = result.mantelzorg_potential[i]
        return float("nan") if value is None else value
    if measure_key == "gap_fte_total":
        return result.gap_fte_total[i]
    sector = measure_key.split(".", 1)[1]
    return next(s.index[i] for s in result.sectors if s.key == sector)
