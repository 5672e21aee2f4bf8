"""Server-rendered monitoring pages: strategic and tactical dashboards, indicators, projects."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from verkeerstoren.access.roles import Permission
from verkeerstoren.access.scoping import across_organisations
from verkeerstoren.capacity.models import AvailabilityReport
from verkeerstoren.errors import DomainError, NotFound, ValidationErrors, ValidationProblem
from verkeerstoren.kpi import (
    charts,
    computing,
    dashboards,
    effect,
    format,
    importer,
    periods,
    projects,
    service,
)
from verkeerstoren.kpi import sources as kpi_sources
from verkeerstoren.kpi.editing import pages as editing
from verkeerstoren.kpi.models import Indicator, Measurement, Project
from verkeerstoren.kpi.periods import Period, last_complete_quarter, parse_period, quarters_back
from verkeerstoren.kpi.schemas import (
    MAX_ID,
    ActionIn,
    ActionUpdate,
    MeasurementIn,
    ProgressIn,
)
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.registry.models import BedType, CareUnit, Organisation
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.problems import problem_text
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
# First, so that /kpi/indicators/new and /kpi/projects/new win over the /{id} pages below.
router.include_router(editing.router)

NAV = [NavItem("Programme", "/kpi", Permission.KPI_VIEW)]

ViewCtx = Annotated[Ctx, view(Permission.KPI_VIEW)]
EditCtx = Annotated[Ctx, edit(Permission.KPI_EDIT)]
Tpl = Annotated[Templates, Depends(templates)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
Quarter = Annotated[str | None, Query(pattern=r"^(199\d|20\d\d)Q[1-4]$")]
MAX_SOURCE_ROWS = 500


def _quarter(quarter: str | None) -> Period:
    return parse_period(quarter) if quarter else last_complete_quarter(periods.today())


def _message(ctx: Ctx, problem: ValidationProblem) -> str:
    where = ctx._("row {row}", row=problem.row) + ": " if problem.row is not None else ""
    return where + problem_text(ctx._, problem)


def _problems(ctx: Ctx, exc: Exception) -> list[str]:
    if isinstance(exc, ValidationErrors):
        return [_message(ctx, p) for p in exc.problems]
    if isinstance(exc, ValidationProblem):
        return [_message(ctx, exc)]
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()[:10]]
    return [ctx._(str(exc))]


def _quarters(today: date) -> list[str]:
    return [p.label for p in reversed(quarters_back(last_complete_quarter(today), 12))]


def _common(ctx: Ctx, data: dashboards.Overview) -> dict[str, Any]:
    return {"data": data, "quarters": _quarters(data.today), "sparkline": dashboards.sparkline,
            "may_edit": ctx.user.can(Permission.KPI_EDIT), "fmt": format.value,
            "num": format.number, "phases": projects.PHASE_LABELS}


@router.get("/kpi", response_class=HTMLResponse)
def strategic(request: Request, ctx: ViewCtx, tpl: Tpl, quarter: Quarter = None) -> HTMLResponse:
    """The strategic dashboard: the goal tree with status colours and trend lines."""
    data = dashboards.overview(ctx.session, _quarter(quarter), today=periods.today())
    return tpl.render(request, ctx, "kpi/strategic.html", **_common(ctx, data))


@router.get("/kpi/tactical", response_class=HTMLResponse)
def tactical(request: Request, ctx: ViewCtx, tpl: Tpl, quarter: Quarter = None) -> HTMLResponse:
    """The tactical dashboard: per action line its projects and their indicators."""
    data = dashboards.overview(ctx.session, _quarter(quarter), today=periods.today())
    return tpl.render(request, ctx, "kpi/tactical.html", **_common(ctx, data))


def _effects(ctx: Ctx, view_: dashboards.IndicatorView) -> list[tuple[Project, effect.Effect]]:
    linked = ctx.session.scalars(select(Project).where(
        Project.indicators.any(Indicator.id == view_.indicator.id)).order_by(Project.name))
    points = [(p.start, p.value) for p in view_.series if p.value is not None]
    return [(p, effect.effect_of(points, p.start_date)) for p in linked if p.start_date]


@router.get("/kpi/indicators/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request, ctx: ViewCtx, tpl: Tpl, indicator_id: ItemId, quarter: Quarter = None,
) -> HTMLResponse:
    """An indicator: definition, targets, chart, status reason, measurements, actions, effect."""
    data = dashboards.overview(ctx.session, _quarter(quarter), today=periods.today())
    view_ = data.view_of(indicator_id)
    if view_ is None:
        raise NotFound("indicator", indicator_id)
    measurements = list(ctx.session.scalars(
        select(Measurement).where(Measurement.indicator_id == indicator_id)
        .order_by(Measurement.period_start.desc(), Measurement.area_code)))
    return tpl.render(request, ctx, "kpi/indicator.html", view=view_, measurements=measurements,
                      binding=kpi_sources.describe(view_.indicator),
                      area_names=computing.area_names(ctx.session, ctx._),
                      spec=charts.indicator_chart(view_), effects=_effects(ctx, view_),
                      min_means=effect.MIN_PER_SIDE_MEANS, min_its=effect.MIN_PER_SIDE_ITS,
                      today=periods.today(), **_common(ctx, data))


@router.get("/kpi/measurements/{measurement_id}/sources", response_class=HTMLResponse)
def sources(request: Request, ctx: ViewCtx, tpl: Tpl, measurement_id: ItemId) -> HTMLResponse:
    """The operational rows a computed value came from."""
    measurement = ctx.session.get(Measurement, measurement_id)
    if measurement is None:
        raise NotFound("measurement", measurement_id)
    rows_info = measurement.source_rows or {}
    raw_ids = rows_info.get("ids")
    ids = [int(i) for i in raw_ids if isinstance(i, int)] if isinstance(raw_ids, list) else []
    table = rows_info.get("table")
    requests: list[PlacementRequest] = []
    reports: list[AvailabilityReport] = []
    shown = ids[:MAX_SOURCE_ROWS]
    if table == "placement_request" and shown:
        requests = list(ctx.session.scalars(
            select(PlacementRequest).where(PlacementRequest.id.in_(shown))
            .order_by(PlacementRequest.closed_at)))
    elif table == "availability_report" and shown:
        reports = list(ctx.session.scalars(
            select(AvailabilityReport).where(AvailabilityReport.id.in_(shown))
            .order_by(AvailabilityReport.reported_at)))
    # Names, not codes: a steering group reads "ELV laag complex", not short_stay_low. The rows
    # of a region-wide figure come from every provider, read on purpose across organisations.
    with across_organisations(ctx.session):
        names: dict[str, dict[Any, str]] = {
            "bed": {code: name for code, name in ctx.session.execute(
                select(BedType.code, BedType.name))},
            "org": {i: name for i, name in ctx.session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_({r.organisation_id for r in reports})))},
            "unit": {i: name for i, name in ctx.session.execute(
                select(CareUnit.id, CareUnit.name).where(
                    CareUnit.id.in_({r.unit_id for r in reports})))},
        }
    return tpl.render(request, ctx, "kpi/sources.html", m=measurement, ids=ids, table=table,
                      requests=requests, reports=reports, limit=MAX_SOURCE_ROWS,
                      fmt=format.value, num=format.number, names=names)


@router.get("/kpi/projects/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, ctx: ViewCtx, tpl: Tpl, project_id: ItemId) -> HTMLResponse:
    """A project with its phase, linked indicators and every quarterly progress entry."""
    project = ctx.session.get(Project, project_id)
    if project is None:
        raise NotFound("project", project_id)
    return tpl.render(request, ctx, "kpi/project.html", project=project,
                      phases=projects.PHASE_LABELS, quarters=_quarters(periods.today()),
                      may_edit=ctx.user.can(Permission.KPI_EDIT), fmt=format.value,
                      num=format.number)


# --- analyst forms -------------------------------------------------------------------------


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}


def _opt_float(raw: str) -> float | None:
    if not raw:
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise ValidationErrors([ValidationProblem("value", "{value} is not a number (no thousands "
                                                  "separators).", value=raw[:40])]) from None


@router.get("/kpi/enter", response_class=HTMLResponse)
def enter_form(request: Request, ctx: EditCtx, tpl: Tpl) -> HTMLResponse:
    """The form to enter one measurement by hand and the file import."""
    indicators = list(ctx.session.scalars(select(Indicator).order_by(Indicator.sort_order)))
    return tpl.render(request, ctx, "kpi/enter.html", indicators=indicators, values={},
                      problems=[], done=request.query_params.get("done"))


def _enter(ctx: Ctx, form: dict[str, str]) -> None:
    data = MeasurementIn(indicator=form.get("indicator", "")[:30],
                         period=form.get("period", "")[:7] or "none",
                         area=form.get("area", "")[:8], value=_opt_float(form.get("value", "")),
                         narrative=form.get("narrative") or None, note=form.get("note") or None)
    duplicate = form.get("on_duplicate", "ask")
    service.record_measurement(ctx.session, ctx.user, data, today=periods.today(),
                               on_duplicate=duplicate if duplicate in ("replace", "keep")
                               else "ask")


@router.post("/kpi/enter", response_class=HTMLResponse)
async def enter(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Save one measurement, or show the form with every problem."""
    form = await _form(request)
    try:
        await run_in_threadpool(_enter, ctx, form)
    except (DomainError, ValidationError) as exc:
        indicators = list(ctx.session.scalars(select(Indicator).order_by(Indicator.sort_order)))
        return tpl.render(request, ctx, "kpi/enter.html", status_code=422,
                          indicators=indicators, values=form, problems=_problems(ctx, exc),
                          done=None)
    return RedirectResponse("/kpi/enter?done=1", status_code=303)


@router.post("/kpi/import", response_class=HTMLResponse)
async def import_file(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Import a CSV or Excel file of measurements: all rows or none."""
    form = await request.form()
    upload = form.get("file")
    duplicate = str(form.get("on_duplicate", "ask"))
    content = await upload.read(importer.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    await form.close()  # release the spooled upload file now, not at garbage collection
    try:
        summary = await run_in_threadpool(
            importer.import_measurements, ctx.session, ctx.user, content, today=periods.today(),
            on_duplicate=duplicate if duplicate in ("replace", "keep") else "ask")
    except (DomainError, ValidationError) as exc:
        indicators = list(ctx.session.scalars(select(Indicator).order_by(Indicator.sort_order)))
        return tpl.render(request, ctx, "kpi/enter.html", status_code=422,
                          indicators=indicators, values={}, problems=_problems(ctx, exc),
                          done=None, import_failed=True)
    return RedirectResponse(f"/kpi/enter?done={summary.written + summary.replaced}",
                            status_code=303)


def _add_action(ctx: Ctx, indicator_id: int, form: dict[str, str]) -> None:
    try:
        due = date.fromisoformat(form.get("due_date", ""))
    except ValueError:
        raise ValidationErrors([ValidationProblem("due_date", "Give a due date.")]) from None
    service.add_action(ctx.session, ctx.user, ActionIn(
        indicator_id=indicator_id, period=form.get("period") or None,
        what=form.get("what", "")[:1000], owner=form.get("owner", "")[:200], due_date=due))


@router.post("/kpi/indicators/{indicator_id}/actions")
async def add_action(request: Request, ctx: EditCtx, tpl: Tpl, indicator_id: ItemId) -> Response:
    """Register a follow-up action for an indicator."""
    form = await _form(request)
    try:
        await run_in_threadpool(_add_action, ctx, indicator_id, form)
    except (DomainError, ValidationError) as exc:
        return tpl.render(request, ctx, "kpi/problems.html", status_code=422,
                          problems=_problems(ctx, exc), back=f"/kpi/indicators/{indicator_id}")
    return RedirectResponse(f"/kpi/indicators/{indicator_id}#actions", status_code=303)


@router.post("/kpi/actions/{action_id}")
async def update_action(request: Request, ctx: EditCtx, tpl: Tpl, action_id: ItemId) -> Response:
    """Move a follow-up action to a new state."""
    form = await _form(request)
    try:
        action = await run_in_threadpool(
            service.update_action, ctx.session, ctx.user, action_id,
            ActionUpdate.model_validate({"state": form.get("state", ""),
                                         "result": form.get("result") or None}),
            today=periods.today())
    except (DomainError, ValidationError) as exc:
        return tpl.render(request, ctx, "kpi/problems.html", status_code=422,
                          problems=_problems(ctx, exc), back="/kpi")
    return RedirectResponse(f"/kpi/indicators/{action.indicator_id}#actions", status_code=303)


@router.post("/kpi/projects/{project_id}/progress")
async def add_progress(request: Request, ctx: EditCtx, tpl: Tpl, project_id: ItemId) -> Response:
    """Add a quarterly progress entry to a project."""
    form = await _form(request)
    try:
        data = ProgressIn.model_validate({k: form.get(k) or None for k in (
            "quarter", "status", "phase", "progress", "risks", "decisions_needed")})
        await run_in_threadpool(projects.add_progress, ctx.session, ctx.user, project_id, data,
                                on_duplicate=form.get("on_duplicate", "ask"))
    except (DomainError, ValidationError) as exc:
        # The project page again, its form holding what was typed (issue 14: a 422 page with
        # only "Terug" lost it); a quarter that has an entry is answered on the same form
        # with "replace" or "keep".
        project = ctx.session.get(Project, project_id)
        if project is None:
            raise
        duplicate = (isinstance(exc, ValidationErrors)
                     and any(p.field == "quarter" for p in exc.problems))
        return tpl.render(request, ctx, "kpi/project.html", status_code=409 if duplicate else 422,
                          project=project, phases=projects.PHASE_LABELS,
                          quarters=_quarters(periods.today()),
                          may_edit=ctx.user.can(Permission.KPI_EDIT), fmt=format.value,
                          num=format.number, typed=form, duplicate=duplicate,
                          problems=_problems(ctx, exc))
    return RedirectResponse(f"/kpi/projects/{project_id}", status_code=303)


@router.post("/kpi/recompute")
async def recompute(ctx: EditCtx) -> Response:
    """Recompute the computed indicators for the last four quarters."""
    chosen = quarters_back(last_complete_quarter(periods.today()), 4)
    await run_in_threadpool(computing.recompute, ctx.session, ctx.user, chosen)
    return RedirectResponse("/kpi", status_code=303)
