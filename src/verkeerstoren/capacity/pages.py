"""Pages: the provider's report form, unit history, the board's history, and district-nursing
intake and search. The live board is in :mod:`.regional_board.pages` and the upload and pull
addresses in :mod:`.upload.pages`; this module's router carries theirs too (the app mounts one
pages router per capability)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.concurrency import run_in_threadpool

from verkeerstoren import validation
from verkeerstoren.access.roles import Permission
from verkeerstoren.capacity import board as board_service
from verkeerstoren.capacity import (
    confirm,
    exports,
    history,
    home,
    intake,
    service,
    undo,
)
from verkeerstoren.capacity.freshness import age_text
from verkeerstoren.capacity.models import BedState, ReportSource
from verkeerstoren.capacity.regional_board import pages as board_pages
from verkeerstoren.capacity.regional_board.pages import (
    Codes,
    own_region,
    regions_with_gemeenten,
)
from verkeerstoren.capacity.schemas import IntakeIn, ReportIn, UnchangedIn
from verkeerstoren.capacity.upload import pages as upload_pages
from verkeerstoren.errors import NotFound, ValidationErrors, ValidationProblem
from verkeerstoren.registry.models import (
    CareUnit,
    NursingTeam,
    Region,
    Skill,
)
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.forms import form_lists
from verkeerstoren.web.params import RegionId
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
# The live board has its own module (its filters made this one too long); the app mounts
# one pages router per capability, so this one carries the board's routes too.
router.include_router(board_pages.router)
router.include_router(upload_pages.router)
NAV = [
    NavItem("Regional board", "/board", Permission.BOARD_VIEW),
    NavItem("Report beds", "/capacity/report", Permission.CAPACITY_REPORT),
    NavItem("District nursing", "/district-nursing", Permission.NURSING_SEARCH),
    NavItem("Team intake", "/district-nursing/intake", Permission.INTAKE_REPORT),
]
# Shown on the shell's home page (see verkeerstoren.capacity.home).
HOME_PANELS = [home.stale_units_panel]

TemplatesDep = Annotated[Templates, Depends(templates)]
BoardCtx = Annotated[Ctx, view(Permission.BOARD_VIEW)]
ReportCtx = Annotated[Ctx, edit(Permission.CAPACITY_REPORT)]
IntakeCtx = Annotated[Ctx, edit(Permission.INTAKE_REPORT)]
SearchCtx = Annotated[Ctx, view(Permission.NURSING_SEARCH)]


def _history(ctx: Ctx, region_id: int | None, days: int
             ) -> tuple[list[Region], Region | None, list[history.DayTotal]]:
    regions = regions_with_gemeenten(ctx.session)
    # A chart shows one region: the one asked for, else the user's own (as the board opens
    # on it), else the first.
    wanted = region_id or own_region(ctx.session, ctx.user.organisation_id)
    chosen = next((r for r in regions if r.id == wanted), regions[0] if regions else None)
    totals = (history.region_history(ctx.session, chosen.id, days, now=utcnow())
              if chosen is not None else [])
    return regions, chosen, totals


Days = Annotated[int, Query(ge=1, le=max(history.PERIODS))]


@router.get("/board/history", response_class=HTMLResponse)
def history_page(request: Request, ctx: BoardCtx, tpl: TemplatesDep, region_id: RegionId = None,
                 days: Days = history.PERIODS[0]) -> HTMLResponse:
    """Available beds per bed type over the last 30 or 90 days for one region."""
    regions, chosen, totals = _history(ctx, region_id, days)
    chart = history.chart_spec(totals, ctx._) if totals else None
    return tpl.render(request, ctx, "capacity/history.html", regions=regions, chosen=chosen,
                      days=days, periods=history.PERIODS, totals=totals,
                      chart=json.dumps(chart) if chart else None)


@router.get("/board/history/export", response_class=Response)
def history_export(ctx: BoardCtx, region_id: RegionId = None, days: Days = history.PERIODS[0],
                   format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv") -> Response:
    """The region's history table as CSV or Excel."""
    _, chosen, totals = _history(ctx, region_id, days)
    name = f"beschikbaarheid-regio-{chosen.id if chosen else 0}-{days}d"
    content, media_type, filename = exports.table_file(
        list(history.HEADER), history.table_rows(totals), format, name)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _own_units(ctx: Ctx) -> list[CareUnit]:
    stmt = select(CareUnit).options(selectinload(CareUnit.bed_types),
                                    selectinload(CareUnit.location)).order_by(CareUnit.name)
    if ctx.user.scoped_organisation is None:
        stmt = stmt.limit(200)
    return list(ctx.session.scalars(stmt.where(CareUnit.active.is_(True))))


def _report_context(ctx: Ctx) -> dict[str, Any]:
    units = _own_units(ctx)
    data = board_service.board(ctx.session, board_service.BoardFilter(
        organisation_id=ctx.user.scoped_organisation))
    states = {(r.unit_id, r.bed_type_code): r for r in data.rows}
    now = utcnow()
    ages = {k: age_text(r.reported_at, now, ctx.locale) for k, r in states.items()}
    stale = [r for r in data.rows if r.stale]
    # Units with a stale report first (issue 14): the cards to report are at the top.
    stale_units = {r.unit_id for r in stale}
    units.sort(key=lambda u: u.id not in stale_units)
    # The report each card shows: "Unchanged" confirms that one, and no later one it never saw.
    report_ids: dict[tuple[int, str], int | None] = {
        (u, c): r for u, c, r in ctx.session.execute(
            select(BedState.unit_id, BedState.bed_type_code, BedState.report_id)
            .where(BedState.unit_id.in_([u.id for u in units]),
                   BedState.report_id.is_not(None)))}
    # "All unchanged" is for a provider's own organisation (every card of it is on the page).
    all_shown = sorted(report_ids.items()) if ctx.user.scoped_organisation is not None else []
    return {"units": units, "states": states, "ages": ages, "stale": stale,
            "report_ids": report_ids, "all_shown": all_shown}


@router.get("/capacity/report", response_class=HTMLResponse)
def report_form(request: Request, ctx: ReportCtx, tpl: TemplatesDep, saved: int = 0,
                saved_type: Annotated[str | None, Query(max_length=30)] = None,
                unchanged: bool = False, confirmed: Annotated[int, Query(ge=0)] = 0,
                undone: bool = False) -> HTMLResponse:
    return tpl.render(request, ctx, "capacity/report.html", **_report_context(ctx),
                      errors={}, saved=saved, saved_type=saved_type, unchanged=unchanged,
                      confirmed=confirmed, undone=undone)


_REPORT_FIELDS = ("staffed", "occupied", "blocked", "expected_free_date", "blocked_reason",
                  "remark")


def _save_report(request: Request, ctx: Ctx, tpl: Templates,
                 values: dict[str, list[str]]) -> Response:
    def one(name: str) -> str | None:
        found = values.get(name)
        return found[0].strip() if found and found[0].strip() else None

    if one("unchanged"):
        return _confirm_card(request, ctx, tpl, one)
    errors: dict[str, str] = {}
    try:
        report = ReportIn.model_validate({
            "unit_id": one("unit_id"), "bed_type_code": one("bed_type_code"),
            "staffed": one("staffed"), "occupied": one("occupied"),
            "blocked": one("blocked") or 0, "blocked_reason": one("blocked_reason"),
            "expected_free_date": one("expected_free_date"), "remark": one("remark"),
        })
        service.submit_reports(ctx.session, ctx.user, [report], ReportSource.WEB)
    except ValidationError as exc:
        errors = {p.field: ctx._(p.message, **p.params) for p in validation.problems(exc)}
    except ValidationErrors as exc:
        errors = {p.field: ctx._(p.message, **p.params) for p in exc.problems}
    if errors:
        # Nothing was written: submit_reports checks every row before it writes any.
        # The refused card shows what was typed, not the stored report: on a phone, typing
        # it all again to fix one number is how a report gets abandoned.
        typed = {name: found[0] for name in _REPORT_FIELDS if (found := values.get(name))}
        return tpl.render(request, ctx, "capacity/report.html", status_code=422,
                          **_report_context(ctx), errors=errors, typed=typed,
                          failed=(one("unit_id"), one("bed_type_code")), saved=0,
                          saved_type=None, unchanged=False, confirmed=0)
    # Back at the saved card (its own anchor), which then says it was saved.
    unit, code = report.unit_id, report.bed_type_code
    query = urlencode({"saved": unit, "saved_type": code})
    return RedirectResponse(f"/capacity/report?{query}#unit-{unit}-{code}", status_code=303)


def _undo(request: Request, ctx: Ctx, tpl: Templates, values: dict[str, list[str]]) -> Response:
    raw = (values.get("report_id") or [""])[0]
    report_id = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    try:
        restored = undo.undo_report(ctx.session, ctx.user, report_id)
    except undo.NotUndone as exc:
        error = ctx._(exc.message, **exc.params)
    except NotFound:
        error = ctx._(undo.LATER)
    except ValidationErrors as exc:  # the earlier figures no longer pass (beds held since)
        error = " ".join(ctx._(p.message, **p.params) for p in exc.problems)
    else:
        unit, code = restored.unit_id, restored.bed_type_code
        query = urlencode({"saved": unit, "saved_type": code, "undone": 1})
        return RedirectResponse(f"/capacity/report?{query}#unit-{unit}-{code}", status_code=303)
    return tpl.render(request, ctx, "capacity/report.html", status_code=409,
                      **_report_context(ctx), errors={}, all_problems={None: [error]}, saved=0,
                      saved_type=None, unchanged=False, confirmed=0)


@router.post("/capacity/report/undo", response_model=None)
async def undo_report(request: Request, ctx: ReportCtx, tpl: TemplatesDep) -> Response:
    """Undo the user's own last report of a card within two minutes (capacity.undo)."""
    values = await form_lists(request)
    return await run_in_threadpool(_undo, request, ctx, tpl, values)


@router.post("/capacity/report", response_model=None)
async def save_report(request: Request, ctx: ReportCtx, tpl: TemplatesDep) -> Response:
    values = await form_lists(request)
    return await run_in_threadpool(_save_report, request, ctx, tpl, values)


def _confirm_card(request: Request, ctx: Ctx, tpl: Templates,
                  one: Callable[[str], str | None]) -> Response:
    """A card's "Unchanged": its last stored report again. The posted figures are ignored
    (the server, not the page's script, keeps a typed figure from passing as confirmed)."""
    failed = (one("unit_id"), one("bed_type_code"))
    status = 422
    try:
        card = UnchangedIn.model_validate({name: one(name) for name in
                                           ("unit_id", "bed_type_code", "report_id")})
        confirm.confirm_unchanged(ctx.session, ctx.user,
                                  {(card.unit_id, card.bed_type_code): card.report_id})
    except ValidationError as exc:
        errors = {p.field: ctx._(p.message, **p.params) for p in validation.problems(exc)}
    except confirm.NotConfirmed as exc:
        errors = {p.field: ctx._(p.message, **p.params)
                  for found in exc.problems.values() for p in found}
        status = 409 if exc.changed else 422
    else:
        unit, code = card.unit_id, card.bed_type_code
        query = urlencode({"saved": unit, "saved_type": code, "unchanged": 1})
        return RedirectResponse(f"/capacity/report?{query}#unit-{unit}-{code}", status_code=303)
    # The refused card shows the stored report (what "unchanged" would have confirmed).
    return tpl.render(request, ctx, "capacity/report.html", status_code=status,
                      **_report_context(ctx), errors=errors, typed={}, failed=failed, saved=0,
                      saved_type=None, unchanged=False, confirmed=0)


def _shown(raw: list[str]) -> dict[tuple[int, str], int]:
    """The "All unchanged" form's cards, each "unit:bed type:report id"; ValueError if bad."""
    shown: dict[tuple[int, str], int] = {}
    for item in raw:
        unit_id, rest = item.split(":", 1)
        code, report_id = rest.rsplit(":", 1)
        card = UnchangedIn.model_validate({"unit_id": unit_id, "bed_type_code": code,
                                           "report_id": report_id})
        if card.report_id is None:
            raise ValueError(item)
        shown[(card.unit_id, card.bed_type_code)] = card.report_id
    return shown


def _confirm_all(request: Request, ctx: Ctx, tpl: Templates,
                 values: dict[str, list[str]]) -> Response:
    status = 422
    problems: dict[tuple[int, str] | None, list[str]]
    try:
        shown = _shown(values.get("shown", []))
    except ValueError:  # pydantic's ValidationError is one too
        return _all_refused(request, ctx, tpl, 422, {None: [ctx._(
            "The list of reports on the page is damaged; reload the page.")]})
    try:
        confirmed = confirm.confirm_all_unchanged(ctx.session, ctx.user, shown)
    except ValidationErrors as exc:
        problems = {None: [ctx._(p.message, **p.params) for p in exc.problems]}
    except confirm.NotConfirmed as exc:
        problems = {key: [ctx._(p.message, **p.params) for p in found]
                    for key, found in exc.problems.items()}
        status = 409 if exc.changed else 422
    else:
        return RedirectResponse(f"/capacity/report?{urlencode({'confirmed': confirmed})}",
                                status_code=303)
    return _all_refused(request, ctx, tpl, status, problems)


def _all_refused(request: Request, ctx: Ctx, tpl: Templates, status: int,
                 problems: dict[tuple[int, str] | None, list[str]]) -> Response:
    """The page again with why nothing was confirmed, per card (None: about them all)."""
    return tpl.render(request, ctx, "capacity/report.html", status_code=status,
                      **_report_context(ctx), errors={}, all_problems=problems, saved=0,
                      saved_type=None, unchanged=False, confirmed=0)


@router.post("/capacity/report/unchanged", response_model=None)
async def confirm_all_unchanged(request: Request, ctx: ReportCtx,
                                tpl: TemplatesDep) -> Response:
    """"All unchanged": every card of the provider's organisation confirmed in one go."""
    values = await form_lists(request)
    return await run_in_threadpool(_confirm_all, request, ctx, tpl, values)


@router.get("/capacity/units/{unit_id}", response_class=HTMLResponse)
def unit_page(request: Request, ctx: BoardCtx, tpl: TemplatesDep, unit_id: int) -> HTMLResponse:
    unit = ctx.session.get(CareUnit, unit_id)
    if unit is None:
        raise NotFound("care_unit", unit_id)
    reports = service.history(ctx.session, unit_id=unit_id)
    names = history.bed_type_names(ctx.session)
    chart = history.unit_chart_spec(reports, names, ctx._)
    return tpl.render(request, ctx, "capacity/unit.html", unit=unit, reports=reports,
                      bed_types=names, chart=json.dumps(chart))


@router.get("/district-nursing", response_class=HTMLResponse)
def nursing_search(
    request: Request, ctx: SearchCtx, tpl: TemplatesDep,
    postcode: Annotated[str | None, Query(max_length=7)] = None,
    start: Annotated[str | None, Query(max_length=10)] = None,
    skill: Codes = None,
) -> HTMLResponse:
    skills = ctx.session.scalars(select(Skill).order_by(Skill.name)).all()
    matches = None
    error = None
    served = True
    wanted = utcnow().date()
    needed = [s for s in skill or [] if s]
    if postcode:
        try:
            wanted = date.fromisoformat(start) if start else utcnow().date()
            matches = intake.find_teams(ctx.session, postcode=postcode, start=wanted,
                                        skills=needed)
        except ValueError:
            error = ctx._("Enter a date as YYYY-MM-DD.")
        except ValidationProblem as problem:
            error = ctx._(problem.message, **problem.params)
    nearest: list[intake.NearTeam] = []
    if postcode and matches == []:  # why none: outside every area, or none free (with skills)
        served = intake.postcode_is_served(ctx.session, postcode)
        # Whom to phone instead (issue 14): the nearest teams with their numbers.
        nearest = intake.nearest_teams(ctx.session, postcode=postcode, start=wanted)
    return tpl.render(request, ctx, "capacity/nursing_search.html", skills=skills,
                      matches=matches, error=error, postcode=postcode or "",
                      start=wanted.isoformat(), chosen=set(needed), served=served,
                      nearest=nearest)


@router.get("/district-nursing/intake", response_class=HTMLResponse)
def intake_form(request: Request, ctx: IntakeCtx, tpl: TemplatesDep) -> HTMLResponse:
    return tpl.render(request, ctx, "capacity/intake.html", **_intake_context(ctx), error=None)


def _intake_context(ctx: Ctx) -> dict[str, Any]:
    teams = list(ctx.session.scalars(select(NursingTeam).order_by(NursingTeam.name).limit(200)))
    latest = intake.latest_intake(ctx.session, [t.id for t in teams])
    return {"teams": teams, "latest": latest,
            "tomorrow": (utcnow().date() + timedelta(days=1)).isoformat()}


def _save_intake(request: Request, ctx: Ctx, tpl: Templates,
                 values: dict[str, list[str]]) -> Response:
    def one(name: str) -> str | None:
        found = values.get(name)
        return found[0].strip() if found and found[0].strip() else None

    try:
        data = IntakeIn.model_validate({
            "team_id": one("team_id"), "accepting": one("accepting") == "true",
            "available_from": one("available_from"), "capacity_note": one("capacity_note"),
        })
        intake.report_intake(ctx.session, ctx.user, data)
    except ValidationError as exc:
        error = "; ".join(f"{p.field}: {ctx._(p.message, **p.params)}"
                          for p in validation.problems(exc))
    except ValidationProblem as problem:
        error = ctx._(problem.message, **problem.params)
    else:
        return RedirectResponse("/district-nursing/intake", status_code=303)
    return tpl.render(request, ctx, "capacity/intake.html", status_code=422,
                      **_intake_context(ctx), error=error)


@router.post("/district-nursing/intake", response_model=None)
async def save_intake(request: Request, ctx: IntakeCtx, tpl: TemplatesDep) -> Response:
    values = await form_lists(request)
    return await run_in_threadpool(_save_intake, request, ctx, tpl, values)
