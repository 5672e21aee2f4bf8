"""Population projection use cases: the projection of an area with its backtests, for the
page, the export and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.foresight import backtest, inputs, population
from verkeerstoren.foresight.population import PopulationLevers, PopulationProjection
from verkeerstoren.opendata.models import AreaValue, DataSet


@dataclass(frozen=True)
class BacktestRow:
    """One backtest over a set of areas: the model's and the naive baseline's MAPE (%)."""

    measure: str  # "total_population" | "share_65plus" | "share_65plus_observed"
    scope: str  # the area (or areas) it was computed over
    areas: int
    model_mape: float
    naive_mape: float


@dataclass(frozen=True)
class PopulationView:
    """A projection with its backtests, as the page, the export and the API show it."""

    projection: PopulationProjection
    backtests: tuple[BacktestRow, ...]
    migration_factor: float


def _shares(session: Session, codes: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """The published 65+ shares (%): CBS kerncijfers 2015 and CBS/PDOK 2024."""
    rows = session.execute(
        select(AreaValue.area_code, AreaValue.indicator, AreaValue.value, DataSet.key)
        .join(DataSet, DataSet.id == AreaValue.dataset_id)
        .where(AreaValue.area_code.in_(codes),
               AreaValue.indicator.in_(["pct_age_65_80", "pct_age_80plus", "pct_age_65plus"]),
               AreaValue.year.in_([backtest.TARGET_YEAR, 2015]),
               DataSet.key.in_(["cbs_kerncijfers", "pdok_gemeenten"])))
    early: dict[str, float] = {}
    late: dict[str, float] = {}
    for code, indicator, value, key in rows:
        if value is None:
            continue
        if key == "cbs_kerncijfers":
            early[code] = early.get(code, 0.0) + value
        elif indicator == "pct_age_65plus":
            late[code] = value
    return early, late


def backtests(session: Session, area_code: str) -> tuple[BacktestRow, ...]:
    """Both backtests over the area's gemeenten (and, for a gemeente, over its region's)."""
    name, codes = population.resolve(session, area_code)
    scopes = [(name, codes)]
    if area_code.startswith("GM"):
        for region, (region_name, members) in population.registered_regions(session).items():
            if area_code in members and region != area_code:
                scopes.append((region_name, members))
    everything = sorted({c for _, members in scopes for c in members})
    obs = inputs.observe(population.area_value_frame(session, everything),
                                    everything)
    total = backtest.total_population(obs)
    early, late = _shares(session, everything)
    aged = backtest.ageing(obs, early, late)
    aged_observed = backtest.ageing_observed(obs, early, late)
    rows = []
    for scope_name, members in scopes:
        for result in (total, aged, aged_observed):
            model, naive, n = result.mape(members)
            if n:
                rows.append(BacktestRow(result.measure, scope_name, n, model, naive))
    return tuple(rows)


def population_view(session: Session, area_code: str, until: int = 2040,
                    levers: PopulationLevers | None = None) -> PopulationView:
    """The projection of one area with its backtests beside the naive baseline."""
    levers = levers or PopulationLevers()
    projection = population.project_area(session, area_code, until, levers)
    return PopulationView(projection, backtests(session, area_code), levers.migration_factor)


INPUTS = (
    "Vektis, Open Databestand Zorgverzekeringswet 2015 per gemeente (insured-years by sex and "
    "age)",
    "CBS 70072ned, Regionale kerncijfers 2015 (age shares)",
    "CBS 37259ENG, population dynamics 2012-2023 (population, births, deaths, migration)",
    "CBS/Kadaster (PDOK) Wijk- en buurtkaart 2024 (share aged 65+, for the backtest)",
)
BASELINES = {
    "total_population": "naive: the 2012-2019 growth rate continued",
    "share_65plus": "naive: the 2015 share aged 65+ held constant",
    "share_65plus_observed": "naive: the 2015 share aged 65+ held constant",
}
MEASURES = {
    "total_population": "Total population on 1 January 2024, fitted on 2012-2018",
    "share_65plus": "Share aged 65+ in 2024 from the 2015 age structure, forecast from 2015",
    "share_65plus_observed": "Share aged 65+ in 2024 from the 2015 age structure, aged with "
                             "the births, deaths and migration counted in 2015-2023 (not a "
                             "forecast)",
}


def export_rows(view: PopulationView) -> tuple[list[str], list[list[str | int | float | None]]]:
    """The projection as a table: year, sex, age group, persons (rounded to whole persons)."""
    p = view.projection
    rows: list[list[str | int | float | None]] = [
        [year, sex, group, round(float(p.counts[i, s, g]))]
        for i, year in enumerate(p.years) for s, sex in enumerate(population.SEXES)
        for g, group in enumerate(population.AGE_GROUPS)]
    return ["area_code", "year", "sex", "age_group", "persons"], [[p.area_code, *r]
                                                                  for r in rows]
