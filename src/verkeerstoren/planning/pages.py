"""The bed-planning page: a GET form (a plan is a link that can be shared) and its answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select

from verkeerstoren import validation
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.planning import charts, defaults, service
from verkeerstoren.planning.schemas import BedPlanIn, BedPlanOut
from verkeerstoren.profiles import export
from verkeerstoren.registry.models import BedType, Gemeente, Region
from verkeerstoren.waiting_times.charts import dumps
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Bed planning", "/planning/beds", Permission.PLANNING_VIEW)]

ViewCtx = Annotated[Ctx, view(Permission.PLANNING_VIEW)]
Tpl = Annotated[Templates, Depends(templates)]

FIELDS = ("bed_type", "region_id", "gemeente_code", "arrivals_per_day", "mean_stay_days",
          "guarantee_percent", "overflow_beds")


@router.get("/planning/beds", response_class=HTMLResponse)
def beds(request: Request, ctx: ViewCtx, tpl: Tpl) -> HTMLResponse:
    """Beds needed for an admission guarantee; empty inputs are taken from the observations."""
    # Read as plain strings: a half-filled form is the normal case here, and each problem is
    # shown at its own field instead of FastAPI's generic 422.
    values = {name: request.query_params.get(name, "").strip()[:40] for name in FIELDS}
    problems: list[ValidationProblem] = []
    plan: BedPlanOut | None = None
    if values["bed_type"]:
        data = {k: v.replace(",", ".") for k, v in values.items() if v}
        try:
            plan = service.plan_beds(ctx.session, BedPlanIn.model_validate(data))
        except ValidationError as error:
            problems = validation.problems(error)
        except ValidationProblem as problem:
            problems = [problem]
    return tpl.render(
        request, ctx, "planning/beds.html", status_code=422 if problems else 200,
        values=values, plan=plan,
        limits={"requests": defaults.MIN_ARRIVALS, "days": defaults.MIN_DAYS,
                "occupancy": round(defaults.DEFAULT_OCCUPANCY * 100),
                "window": BedPlanIn.model_fields["window_days"].default},
        fmt=lambda v, d=1: export.number(v, d, ctx.locale),
        errors={p.field: ctx._(p.message, **p.params) for p in problems},
        spec=dumps(charts.guarantee_spec(plan, ctx._)) if plan else None,
        bed_types=ctx.session.execute(select(BedType.code, BedType.name)
                                      .order_by(BedType.name)).all(),
        regions=ctx.session.execute(select(Region.id, Region.name).order_by(Region.name)).all(),
        gemeenten=ctx.session.execute(
            select(Gemeente.code, Gemeente.name).where(Gemeente.region_id.is_not(None))
            .order_by(Gemeente.name)).all(),
    )
