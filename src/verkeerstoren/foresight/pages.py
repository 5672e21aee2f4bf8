"""Foresight pages (S2): the population projection with its backtests and exports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight import inputs, population, population_charts, population_service
from verkeerstoren.profiles import export
from verkeerstoren.waiting_times.charts import dumps
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Population projection", "/foresight/population", Permission.PLANNING_VIEW)]

# Projections are aggregates of open data: every logged-in role, as bed planning (S3).
ViewCtx = Annotated[Ctx, view(Permission.PLANNING_VIEW)]
Tpl = Annotated[Templates, Depends(templates)]
TableFmt = Literal["csv", "xlsx"]
MILESTONES = (2030, 2040)


def _levers(request: Request) -> tuple[dict[str, str], int, population.PopulationLevers]:
    """The form's values as typed, and the horizon and levers they mean (or a problem)."""
    values = {name: request.query_params.get(name, "").strip()[:20]
              for name in ("area", "until", "migration_factor")}
    try:
        until = int(values["until"] or 2040)
    except ValueError:
        raise ValidationProblem("until", "the horizon must be a year") from None
    try:
        factor = float((values["migration_factor"] or "1").replace(",", "."))
    except ValueError:
        raise ValidationProblem("migration_factor", "the migration factor must be a number") \
            from None
    return values, until, population.PopulationLevers(factor)


@router.get("/foresight/population", response_class=HTMLResponse)
def population_page(request: Request, ctx: ViewCtx, tpl: Tpl) -> HTMLResponse:
    """Projected population by age to 2030 and 2040 with method, assumptions and backtests."""
    areas = population.areas(ctx.session)
    result = None
    problems: list[ValidationProblem] = []
    try:
        values, until, levers = _levers(request)
        values["area"] = values["area"] or (areas[0][0] if areas else inputs.NL)
        result = population_service.population_view(ctx.session, values["area"], until, levers)
    except ValidationProblem as problem:
        problems = [problem]
        values = {name: request.query_params.get(name, "")[:20]
                  for name in ("area", "until", "migration_factor")}
    p = result.projection if result else None
    shown = [y for y in (p.years[0], *MILESTONES, p.years[-1]) if y in p.years] if p else []
    return tpl.render(
        # Opening the page without a choice is not bad input: when the open data are not
        # loaded it says so at the area, with 200.
        request, ctx, "foresight/population.html",
        status_code=422 if problems and request.query_params else 200,
        values=values, areas=areas, result=result, p=p,
        shown=sorted(set(shown)), groups=population.AGE_GROUPS,
        measures=population_service.MEASURES, baselines=population_service.BASELINES,
        inputs=population_service.INPUTS,
        fmt=lambda v, d=0: export.number(v, d, ctx.locale),
        errors={x.field: ctx._(x.message, **x.params) for x in problems},
        bands=dumps(population_charts.bands_spec(p, ctx._)) if p else None,
        aged=dumps(population_charts.aged_spec(p, ctx._)) if p else None,
    )


@router.get("/foresight/population.{fmt}")
def population_table(request: Request, ctx: ViewCtx, fmt: TableFmt) -> Response:
    """The projection as CSV or Excel: year × sex × age group, with its method and sources."""
    values, until, levers = _levers(request)
    result = population_service.population_view(ctx.session, values["area"] or "NL01", until,
                                                 levers)
    headers, rows = population_service.export_rows(result)
    source = "; ".join([f"{result.projection.method}", *population_service.INPUTS])
    body = export.table(fmt, headers, rows, sheet="bevolking", source=source)
    name = f"bevolkingsprognose-{result.projection.area_code}-{until}"
    return Response(body, media_type=export.MEDIA[fmt],
                    headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})
