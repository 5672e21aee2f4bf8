"""JSON API of foresight (S2) under ``/api/v1``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from verkeerstoren.access.roles import Permission
from verkeerstoren.foresight import population, population_service
from verkeerstoren.foresight.population_schemas import AgeGroupOut, BacktestOut, PopulationOut
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
