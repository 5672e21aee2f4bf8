"""Foresight use cases (population projection, demand, workforce, scenarios)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.foresight import backtest, inputs, population
from verkeerstoren.foresight.population import PopulationLevers, PopulationProjection
from verkeerstoren.opendata.models import AreaValue, DataSet


@dataclass(frozen=True)
class BacktestRow:
    """One backtest over a set of areas: the model's and the naive baseline's MAPE (%)."""

    measure: str  # "total_population" | "share_65plus"
    scope: str  # the area (or areas) it was computed over
    areas: int
    model_mape: float
    naive_mape: float


@dataclass(frozen=True)
class PopulationView:
    """A projection with its backtests, as the page, the export and the API show it."""

    projection: PopulationProjection
    backtests: tuple[BacktestRow, ...]


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
    rows = []
    for scope_name, members in scopes:
        for result in (total, aged):
            model, naive, n = result.mape(members)
            if n:
                rows.append(BacktestRow(result.measure, scope_name, n, model, naive))
    return tuple(rows)


def population_view(session: Session, area_code: str, until: int = 2040,
                    levers: PopulationLevers | None = None) -> PopulationView:
    """The projection of one area with its backtests beside the naive baseline."""
    projection = population.project_area(session, area_code, until,
                                         levers or PopulationLevers())
    return PopulationView(projection, backtests(session, area_code))


def frame(view: PopulationView) -> pl.DataFrame:
    """The projection in the long layout (year, sex, age group, persons) for export."""
    p = view.projection
    rows = [(year, sex, group, float(p.counts[i, s, g]))
            for i, year in enumerate(p.years) for s, sex in enumerate(population.SEXES)
            for g, group in enumerate(population.AGE_GROUPS)]
    return pl.DataFrame(rows, schema={"year": pl.Int32, "sex": pl.String,
                                      "age_group": pl.String, "persons": pl.Float64},
                        orient="row")


# --- forecast measures (helper "demand"): computed indicators a KPI can be bound to ---
from verkeerstoren.foresight.measures import (  # noqa: E402
    forecast_measures as forecast_measures,
)
from verkeerstoren.foresight.measures import (  # noqa: E402
    forecast_value as forecast_value,
)
