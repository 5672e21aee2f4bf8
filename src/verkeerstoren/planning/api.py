"""JSON API of the bed planning (S3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from verkeerstoren.access.roles import Permission
from verkeerstoren.planning import service
from verkeerstoren.planning.schemas import BedPlanIn, BedPlanOut
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view

router = APIRouter(tags=["planning"])
ViewCtx = Annotated[Ctx, view(Permission.PLANNING_VIEW)]


@router.post("/planning/beds", response_model=BedPlanOut)
def plan_beds(ctx: ViewCtx, plan: BedPlanIn) -> BedPlanOut:
    """Beds needed for an admission guarantee (Erlang loss model), from observed or entered
    arrivals and stay, with a seeded simulation at the chosen number of beds. Writes nothing."""
    return service.plan_beds(ctx.session, plan)
