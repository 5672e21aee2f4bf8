"""JSON API of foresight (S2) under ``/api/v1``.

Demand, workforce, the zorgkloof, scenarios and beds-needed are computed per request; nothing
is stored.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from verkeerstoren.access.roles import Permission
from verkeerstoren.foresight import beds, compare, outlook, service
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
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view

# Aggregates of public data and invented demo staff: every logged-in role, as bed planning.
PERMISSION = Permission.PLANNING_VIEW
router = APIRouter(tags=["foresight"])

# --- demand, workforce, zorgkloof, scenarios, beds-needed (helper "demand") ---
ViewCtx = Annotated[Ctx, view(PERMISSION)]


class ForecastValueOut(BaseModel):
    key: str
    area_code: str
    year: int
    scenario: str
    value: float | None


@router.post("/foresight/demand", response_model=OutlookOut)
def post_outlook(ctx: ViewCtx, data: OutlookIn) -> OutlookOut:
    """Demand per sector (index 2024 = 100 and the sector's unit), staff, FTE needed and the
    zorgkloof per year for a gemeente or region under a scenario. Writes nothing."""
    return outlook.outlook(ctx.session, data)


@router.post("/foresight/scenarios/compare", response_model=ComparisonOut)
def post_compare(ctx: ViewCtx, data: ComparisonIn) -> ComparisonOut:
    """The reference ("beleidsarm") and named scenarios side by side, each scenario's change
    in the zorgkloof attributed to its levers (sequential attribution). Writes nothing."""
    return compare.compare(ctx.session, data)


@router.get("/foresight/scenarios", response_model=list[ScenarioOut])
def get_scenarios(ctx: ViewCtx) -> list[ScenarioOut]:
    """The named scenarios and their lever settings."""
    return [ScenarioOut(key=s.key, name=s.name, description=s.description,
                        levers=LeversIn(**s.levers.__dict__)) for s in ALL.values()]


@router.post("/foresight/beds", response_model=BedsPerYearOut)
def post_beds(ctx: ViewCtx, data: BedsPerYearIn) -> BedsPerYearOut:
    """Beds needed per year for 95 % and 99 % admission as the bed type's age group grows."""
    return beds.beds_per_year(ctx.session, data)


@router.get("/foresight/measures", response_model=list[MeasureOut])
def get_measures(ctx: ViewCtx) -> list[MeasureOut]:
    """The forecast measures a KPI can be bound to."""
    return [MeasureOut(key=k, label=label, unit=unit)
            for k, label, unit in service.forecast_measures(ctx.locale)]


@router.get("/foresight/measures/{key}", response_model=ForecastValueOut)
def get_measure_value(
    ctx: ViewCtx,
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
