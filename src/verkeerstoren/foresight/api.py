"""JSON API of foresight (S2) under ``/api/v1``."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from verkeerstoren.access.roles import Permission
from verkeerstoren.foresight import (
    beds,
    compare,
    outlook,
    population,
    population_service,
    service,
)
from verkeerstoren.foresight.population_schemas import AgeGroupOut, BacktestOut, PopulationOut
from verkeerstoren.foresight.scenarios import ALL
from verkeerstoren.foresight.schemas import (
    AREA_PATTERN,
    BedsPerYearIn,
    BedsPerYearOut,
    ComparisonIn,
    ComparisonOut,
    LeversIn,
    MeasureOut,
    OutlookIn,
    OutlookOut,
    ScenarioOut,
)
from verkeerstoren.foresight.uploads import api as uploads_api
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view

router = APIRouter(tags=["foresight"])
# Projections are aggregates of open data: every logged-in role, as bed planning (S3).
ViewCtx = Annotated[Ctx, view(Permission.PLANNING_VIEW)]
AreaParam = Annotated[str, Query(pattern=r"^(GM\d{4}|NL01|RG\d{1,9})$",
                                 description="GM code, NL01, or RG + a region's id",
                                 examples=["GM0637"])]
UntilParam = Annotated[int, Query(ge=2024, le=population.MAX_UNTIL,
                                  description="Last year (1 January) of the projection")]
MigrationParam = Annotated[float, Query(ge=0, le=population.MIGRATION_FACTOR_MAX,
                                        description="Net migration multiplied by this")]


def population_out(result: population_service.PopulationView) -> PopulationOut:
    """The API shape of a projection with its backtests."""
    p = result.projection
    return PopulationOut(
        area_code=p.area_code, area_name=p.area_name, method=p.method, years=list(p.years),
        total=p.total().round(0).tolist(), aged_65plus=p.aged(65).round(0).tolist(),
        aged_80plus=p.aged(80).round(0).tolist(),
        age_groups=[AgeGroupOut(age_group=g, male=p.counts[:, 0, i].round(0).tolist(),
                                female=p.counts[:, 1, i].round(0).tolist())
                    for i, g in enumerate(population.AGE_GROUPS)],
        migration_factor=result.migration_factor, assumptions=list(p.assumptions),
        inputs=list(population_service.INPUTS),
        backtests=[BacktestOut(measure=b.measure, scope=b.scope, areas=b.areas,
                               model_mape=round(b.model_mape, 3),
                               naive_mape=round(b.naive_mape, 3),
                               baseline=population_service.BASELINES[b.measure])
                   for b in result.backtests])


@router.get("/foresight/population", response_model=PopulationOut)
def get_population(ctx: ViewCtx, area: AreaParam, until: UntilParam = 2040,
                   migration_factor: MigrationParam = 1.0) -> PopulationOut:
    """Population projection (cohort-component) of a gemeente, region or the Netherlands by
    sex and 5-year age group, with its backtests beside a naive baseline. Writes nothing."""
    return population_out(population_service.population_view(
        ctx.session, area, until, population.PopulationLevers(migration_factor)))


# --- demand, workforce, zorgkloof, scenarios, beds-needed (helper "demand") ---
# Aggregates of public data and invented demo staff: every logged-in role, as bed planning.
PERMISSION = Permission.PLANNING_VIEW
DemandCtx = Annotated[Ctx, view(PERMISSION)]


class ForecastValueOut(BaseModel):
    key: str
    area_code: str
    year: int
    scenario: str
    value: float | None


@router.post("/foresight/demand", response_model=OutlookOut)
def post_outlook(ctx: DemandCtx, data: OutlookIn) -> OutlookOut:
    """Demand per sector (index 2024 = 100 and the sector's unit), staff, FTE needed and the
    zorgkloof per year for a gemeente or region under a scenario. Writes nothing."""
    return outlook.outlook(ctx.session, data)


@router.post("/foresight/scenarios/compare", response_model=ComparisonOut)
def post_compare(ctx: DemandCtx, data: ComparisonIn) -> ComparisonOut:
    """The reference ("beleidsarm") and named scenarios side by side, each scenario's change
    in the zorgkloof attributed to its levers (sequential attribution). Writes nothing."""
    return compare.compare(ctx.session, data)


@router.get("/foresight/scenarios", response_model=list[ScenarioOut])
def get_scenarios(ctx: DemandCtx) -> list[ScenarioOut]:
    """The named scenarios and their lever settings."""
    return [ScenarioOut(key=s.key, name=s.name, description=s.description,
                        levers=LeversIn(**s.levers.__dict__)) for s in ALL.values()]


@router.post("/foresight/beds", response_model=BedsPerYearOut)
def post_beds(ctx: DemandCtx, data: BedsPerYearIn) -> BedsPerYearOut:
    """Beds needed per year for 95 % and 99 % admission as the bed type's age group grows."""
    return beds.beds_per_year(ctx.session, data)


@router.get("/foresight/measures", response_model=list[MeasureOut])
def get_measures(ctx: DemandCtx) -> list[MeasureOut]:
    """The forecast measures a KPI can be bound to."""
    return [MeasureOut(key=k, label=label, unit=unit)
            for k, label, unit in service.forecast_measures(ctx.locale)]


@router.get("/foresight/measures/{key}", response_model=ForecastValueOut)
def get_measure_value(
    ctx: DemandCtx,
    key: Annotated[str, Path(max_length=60, pattern=r"^[a-z0-9_.]+$")],
    area_code: Annotated[str, Query(pattern=AREA_PATTERN)],
    year: Annotated[int, Query(ge=2024, le=2040)],
    scenario: Annotated[str | None, Query(max_length=20, pattern=r"^[a-z]+$")] = None,
) -> ForecastValueOut:
    """One forecast figure for an area, year and scenario (null where it has no value)."""
    value = service.forecast_value(ctx.session, area_code, key, year, scenario)
    return ForecastValueOut(key=key, area_code=area_code, year=year,
                            scenario=scenario or "reference",
                            value=None if math.isnan(value) else value)


# --- the official forecast and uploaded staff figures (helper "forecast") ---
router.include_router(uploads_api.router)
