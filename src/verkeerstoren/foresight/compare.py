"""Scenarios side by side with the reference, and the difference attributed to each lever.

Attribution is sequential (``scenarios.Levers.steps``): the levers are switched on one by one
in a fixed order and each is credited with the change in the zorgkloof it adds; the
contributions sum exactly to the scenario's difference from the reference.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from verkeerstoren.foresight.outlook import Inputs, Projector, compute
from verkeerstoren.foresight.scenarios import ALL, LEVER_ORDER, REFERENCE
from verkeerstoren.foresight.schemas import (
    ComparisonIn,
    ComparisonOut,
    ContributionOut,
    OutlookIn,
    OutlookOut,
    ScenarioResultOut,
)

ATTRIBUTION = ("Sequential attribution: levers switched on one after another in the order "
               + ", ".join(LEVER_ORDER) + "; each is credited with the change in the "
               "zorgkloof (FTE) in the final year it adds to the levers before it, so the "
               "contributions add up to the scenario's difference from the reference.")


def gap_at(outlook: OutlookOut, year: int) -> float:
    return outlook.gap_fte_total[outlook.years.index(year)]


def compare(session: Session, data: ComparisonIn, project: Projector | None = None
            ) -> ComparisonOut:
    """The reference and each named scenario to ``until``, with each lever's contribution."""
    inputs = Inputs(session, OutlookIn(area_code=data.area_code, until=data.until), project)
    reference = compute(inputs, REFERENCE.key, REFERENCE.name, REFERENCE.levers)
    year = reference.years[-1]
    base_gap = gap_at(reference, year)
    results: list[ScenarioResultOut] = []
    for key in data.scenarios:
        scenario = ALL[key]
        previous = base_gap
        contributions: list[ContributionOut] = []
        outlook = reference
        for lever, levers in scenario.levers.steps():
            outlook = compute(inputs, scenario.key, scenario.name, levers)
            gap = gap_at(outlook, year)
            contributions.append(ContributionOut(lever=lever,
                                                 value=getattr(scenario.levers, lever),
                                                 gap_fte_change=gap - previous))
            previous = gap
        results.append(ScenarioResultOut(outlook=outlook,
                                         gap_fte_difference=gap_at(outlook, year) - base_gap,
                                         contributions=contributions))
    return ComparisonOut(area_code=reference.area_code, area_name=reference.area_name,
                         year=year, attribution=ATTRIBUTION, reference=reference,
                         scenarios=results)
