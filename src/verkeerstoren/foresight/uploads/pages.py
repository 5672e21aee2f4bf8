"""Pages of the official forecast and the uploaded staff figures (issue 16 items 1 and 4), and
the comparison block of the population page."""

from __future__ import annotations

from typing import Annotated, Any

import altair as alt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import DomainError, ValidationErrors, ValidationProblem
from verkeerstoren.foresight import official, official_import, population, rates, staff_import
from verkeerstoren.foresight.population import PopulationProjection
from verkeerstoren.profiles import export
from verkeerstoren.waiting_times.charts import dumps
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.problems import problem_text
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Official forecast", "/foresight/official", Permission.PLANNING_VIEW),
       NavItem("Staff figures", "/foresight/workforce", Permission.PLANNING_VIEW)]
ViewCtx = Annotated[Ctx, view(Permission.PLANNING_VIEW)]
# Loading planning inputs: the programme's editors, who keep the figures the dashboards use.
EditCtx = Annotated[Ctx, edit(Permission.KPI_EDIT)]
Tpl = Annotated[Templates, Depends(templates)]


def messages(ctx: Ctx, exc: Exception) -> list[str]:
    """Every problem in Dutch, with its row and column."""
    problems = exc.problems if isinstance(exc, ValidationErrors) else \
        [exc] if isinstance(exc, ValidationProblem) else []
    out = []
    for p in problems:
        where = ctx._("row {row}, column {field}", row=p.row, field=p.field) + ": " \
            if p.row is not None else ""
        out.append(where + problem_text(ctx._, p))
    return out or [ctx._(str(exc))]


async def _upload(request: Request, limit: int) -> tuple[bytes, str, dict[str, str]]:
    form = await request.form()
    upload = form.get("file")
    content = await upload.read(limit + 1) if isinstance(upload, UploadFile) else b""
    name = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    fields = {k: str(v)[:200] for k, v in form.items() if isinstance(v, str)}
    await form.close()
    return content, name, fields


def _official_page(request: Request, ctx: Ctx, tpl: Templates, status: int = 200,
                   problems: list[str] | None = None) -> HTMLResponse:
    figures = official.loaded(ctx.session)
    return tpl.render(request, ctx, "foresight/official.html", status_code=status,
                      forecast=official.current(ctx.session), figures=figures,
                      can_edit=ctx.user.can(Permission.KPI_EDIT), problems=problems or [],
                      done=request.query_params.get("done"),
                      fmt=lambda v, d=0: export.number(v, d, ctx.locale))


@router.get("/foresight/official", response_class=HTMLResponse)
def official_page(request: Request, ctx: ViewCtx, tpl: Tpl) -> HTMLResponse:
    """The loaded official forecast, the choice to use it instead, and the upload."""
    return _official_page(request, ctx, tpl)


@router.post("/foresight/official", response_class=HTMLResponse)
async def official_upload(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Load an official forecast file: all rows or none."""
    content, name, fields = await _upload(request, official_import.MAX_BYTES)
    try:
        await run_in_threadpool(official_import.load, ctx.session, ctx.user, content,
                                file_name=name, title=fields.get("title", ""))
    except DomainError as exc:
        return _official_page(request, ctx, tpl, 422, messages(ctx, exc))
    return RedirectResponse("/foresight/official?done=loaded", status_code=303)


@router.post("/foresight/official/use", response_class=HTMLResponse)
async def official_use(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Switch 'use the official forecast instead' on or off."""
    form = await request.form()
    use = str(form.get("use_instead", "")) == "1"
    try:
        official.set_use(ctx.session, ctx.user, use)
    except DomainError as exc:
        return _official_page(request, ctx, tpl, 422, messages(ctx, exc))
    return RedirectResponse("/foresight/official?done=use", status_code=303)


@router.get("/foresight/official/template.csv")
def official_template(ctx: ViewCtx) -> Response:
    """An example of the accepted file shape."""
    return Response(official_import.template_csv(), media_type="text/csv",
                    headers={"content-disposition":
                             'attachment; filename="officiele-prognose-voorbeeld.csv"'})


def _workforce_page(request: Request, ctx: Ctx, tpl: Templates, status: int = 200,
                    problems: list[str] | None = None) -> HTMLResponse:
    return tpl.render(request, ctx, "foresight/workforce.html", status_code=status,
                      figures=staff_import.listing(ctx.session), sectors=rates.BY_KEY,
                      can_edit=ctx.user.can(Permission.KPI_EDIT), problems=problems or [],
                      done=request.query_params.get("done"), columns=staff_import.COLUMNS,
                      fmt=lambda v, d=0: export.number(v, d, ctx.locale))


@router.get("/foresight/workforce", response_class=HTMLResponse)
def workforce_page(request: Request, ctx: ViewCtx, tpl: Tpl) -> HTMLResponse:
    """Uploaded staff figures with their source, and the upload."""
    return _workforce_page(request, ctx, tpl)


@router.post("/foresight/workforce", response_class=HTMLResponse)
async def workforce_upload(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Load staff figures from a file: all rows or none."""
    content, name, _ = await _upload(request, staff_import.MAX_BYTES)
    try:
        await run_in_threadpool(staff_import.load, ctx.session, ctx.user, content,
                                file_name=name)
    except DomainError as exc:
        return _workforce_page(request, ctx, tpl, 422, messages(ctx, exc))
    return RedirectResponse("/foresight/workforce?done=1", status_code=303)


@router.get("/foresight/workforce/template.csv")
def workforce_template(ctx: ViewCtx) -> Response:
    """An example of the accepted file shape."""
    return Response(staff_import.template_csv(), media_type="text/csv",
                    headers={"content-disposition":
                             'attachment; filename="personeel-voorbeeld.csv"'})


def comparison(ctx: Ctx, p: PopulationProjection) -> dict[str, Any] | None:
    """The population page's block: the official forecast beside the projection (None when
    no forecast is loaded)."""
    forecast = official.current(ctx.session)
    if forecast is None:
        return None
    try:
        _, codes = population.resolve(ctx.session, p.area_code)
    except ValidationProblem:
        codes = []
    figures = official.loaded(ctx.session, codes)
    rows = official.compare(figures, p, codes) if figures else None
    spec = None
    if rows:
        ours, theirs = ctx._("Verkeerstoren projection"), ctx._("Official forecast")
        persons, series = ctx._("Persons"), ctx._("Series")
        data = [{"year": str(r.year), series: name, persons: round(value)}
                for r in rows for name, value in ((ours, r.own_total),
                                                  (theirs, r.official_total))]
        chart = alt.Chart(alt.InlineData(values=data)).mark_line(point=True).encode(
            x=alt.X("year:O", title=ctx._("Year (1 January)")),
            y=alt.Y(f"{persons}:Q", scale=alt.Scale(zero=False), title=persons),
            color=alt.Color(f"{series}:N", title=series),
            strokeDash=alt.StrokeDash(f"{series}:N", legend=None),
            tooltip=["year:O", f"{series}:N", alt.Tooltip(f"{persons}:Q", format=",.0f")],
        ).properties(width=560, height=220, title=alt.TitleParams(
            ctx._("Population: projection and official forecast"), anchor="start",
            subtitle=forecast.title))
        spec = dumps(chart.to_dict(validate=False))
    return {"forecast": forecast, "rows": rows, "spec": spec,
            "label": official.source_label(figures, codes, ctx._) if figures else ""}
