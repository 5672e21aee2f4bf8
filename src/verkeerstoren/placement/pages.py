"""Pages: the coordinator's work queue, a request with its options, the provider's incoming
reservations and the tussen-wal-en-schip analysis."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from verkeerstoren import validation
from verkeerstoren.access.roles import Permission
from verkeerstoren.audit import service as audit
from verkeerstoren.errors import Conflict, ValidationProblem
from verkeerstoren.placement import display, service
from verkeerstoren.placement.followup import pages as followup_pages
from verkeerstoren.placement.matching import RULE_SUMMARY, Rule
from verkeerstoren.placement.models import (
    Financing,
    PlacementRequest,
    RequestStatus,
    ReservationStatus,
    Urgency,
)
from verkeerstoren.placement.schemas import RequestIn, UnplacedIn
from verkeerstoren.registry.models import BedType, Feature, Gemeente
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.forms import form_lists
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [
    NavItem("Work queue", "/placement", Permission.PLACEMENT_WORK),
    NavItem("My requests", "/placement/mine", Permission.PLACEMENT_REQUEST),
    NavItem("Incoming reservations", "/placement/incoming", Permission.RESERVATION_ANSWER),
    NavItem("Unplaced", "/placement/unplaced", Permission.UNPLACED_VIEW),
]
# Completing details, releasing a hold and the live events of the request pages (issue 14).
router.include_router(followup_pages.router)


def _new_request_panel(ctx: Ctx) -> tuple[str, dict[str, Any]] | None:
    """The home page's "New request" action for whoever may make one."""
    actor = ctx.actor
    if actor is None or not actor.can(Permission.PLACEMENT_REQUEST):
        return None
    return "placement/_home_new.html", {"queue": actor.can(Permission.PLACEMENT_WORK)}


HOME_PANELS = [_new_request_panel]
TemplatesDep = Annotated[Templates, Depends(templates)]
WorkCtx = Annotated[Ctx, edit(Permission.PLACEMENT_WORK)]
RequestCtx = Annotated[Ctx, edit(Permission.PLACEMENT_REQUEST)]
AnswerCtx = Annotated[Ctx, edit(Permission.RESERVATION_ANSWER)]
URGENCY_ORDER = {u: i for i, u in enumerate(Urgency)}


_texts = followup_pages.texts
_one = followup_pages.one


LIST_PAGE = 25  # rows per page of the queue and "my requests" (issue 14: ~200 rows, no filter)
Search = Annotated[str | None, Query(max_length=64)]


def _status(value: str | None) -> RequestStatus | None:
    # An unknown ?status= shows every status rather than an error.
    return RequestStatus(value) if value in set(RequestStatus) else None


@router.get("/placement", response_class=HTMLResponse)
def work_queue(request: Request, ctx: WorkCtx, tpl: TemplatesDep, q: Search = None,
               offset: str | None = None) -> HTMLResponse:
    live = service.list_requests(ctx.session, ctx.user, live_only=True, search=q)
    live.sort(key=lambda r: (URGENCY_ORDER[r.urgency], r.created_at))
    start = _offset(offset)
    total = len(live)
    live = live[start:start + LIST_PAGE]
    now = utcnow()
    rows = []
    shown: list[int] = []
    for item in live:
        held = next((v for v in item.reservations if v.status is ReservationStatus.HELD), None)
        best = service.options_for(ctx.session, item, now=now, limit=3).options
        shown += [o.candidate.unit_id for o in best] + ([held.unit_id] if held else [])
        rows.append({"request": item, "held": held, "best": best,
                     "age_minutes": int((now - item.created_at).total_seconds() // 60),
                     "left_seconds": int((held.held_until - now).total_seconds()) if held else 0})
    return tpl.render(request, ctx, "placement/queue.html", rows=rows,
                      places=display.places(ctx.session, shown), age=display.age,
                      today=now.date(), q=q or "", offset=start, total=total,
                      page_size=LIST_PAGE, **_texts(ctx))


@router.get("/placement/mine", response_class=HTMLResponse)
def my_requests(request: Request, ctx: Annotated[Ctx, view(Permission.PLACEMENT_REQUEST)],
                tpl: TemplatesDep, q: Search = None, status: Search = None,
                offset: str | None = None) -> HTMLResponse:
    start = _offset(offset)
    # One more than a page: whether there is a next page, without counting them all.
    found = service.list_requests(ctx.session, ctx.user, search=q, status=_status(status),
                                  limit=LIST_PAGE + 1, offset=start)
    return tpl.render(request, ctx, "placement/mine.html", requests=found[:LIST_PAGE],
                      more=len(found) > LIST_PAGE, q=q or "", status=_status(status),
                      statuses=list(RequestStatus), offset=start, page_size=LIST_PAGE,
                      **_texts(ctx))


def _form_context(ctx: Ctx) -> dict[str, Any]:
    session = ctx.session
    return {
        "bed_types": session.scalars(select(BedType).order_by(BedType.sort_order)).all(),
        "features": session.scalars(select(Feature).order_by(Feature.name)).all(),
        "gemeenten": session.scalars(select(Gemeente).order_by(Gemeente.name)).all(),
        "financing": list(Financing), "urgencies": list(Urgency),
        "today": utcnow().date().isoformat(),
        # Most calls are for a bed today; the coordinator changes it for a planned admission.
        "default_urgency": Urgency.TODAY.value,
    }


# Fields that may follow later; the form's "more" part opens when one of them is filled in
# or wrong, so nothing typed is hidden.
LATER_FIELDS = ("pseudonym", "referrer_name", "birth_year", "sex", "medically_discharged_on",
                "preferred_gemeenten", "care_needs")


@router.get("/placement/new", response_class=HTMLResponse)
def new_request(request: Request, ctx: RequestCtx, tpl: TemplatesDep) -> HTMLResponse:
    return tpl.render(request, ctx, "placement/new.html", **_form_context(ctx), values={},
                      errors={}, open_later=False, duplicate_of=None)


def _create(request: Request, ctx: Ctx, tpl: Templates, values: dict[str, list[str]]) -> Response:
    data: dict[str, object] = {
        "pseudonym": _one(values, "pseudonym"), "birth_year": _one(values, "birth_year"),
        "sex": _one(values, "sex"), "postcode_area": _one(values, "postcode_area"),
        "care_needs": _one(values, "care_needs"), "referrer_name": _one(values, "referrer_name"),
        "bed_types": values.get("bed_types", []), "features": values.get("features", []),
        "preferred_gemeenten": [g for g in values.get("preferred_gemeenten", []) if g],
        "wanted_start": _one(values, "wanted_start"), "financing": _one(values, "financing"),
        "urgency": _one(values, "urgency"),
        "medically_discharged_on": _one(values, "medically_discharged_on"),
    }
    # An empty field is a missing one: "this field is required", not "not text".
    data = {k: v for k, v in data.items() if v is not None}
    errors: dict[str, str] = {}
    duplicate_of: int | None = None
    try:
        created = service.create_request(ctx.session, ctx.user, RequestIn.model_validate(data))
    except ValidationError as exc:
        errors = {p.field.split(".")[0]: ctx._(p.message, **p.params)
                  for p in validation.problems(exc)}
    except ValidationProblem as problem:
        errors = {problem.field: ctx._(problem.message, **problem.params)}
    except service.DuplicateRequest as exc:
        # The page links to the open request (new.html), in Dutch, instead of quoting its id.
        errors = {"pseudonym": ctx._("A live request for this pseudonym already exists.")}
        duplicate_of = exc.existing_id
    if errors:
        shown = {k: v for k, v in values.items() if k != "csrf_token"}
        open_later = any(k in errors or any(x.strip() for x in values.get(k, []))
                         for k in LATER_FIELDS)
        return tpl.render(request, ctx, "placement/new.html",
                          status_code=409 if duplicate_of else 422, **_form_context(ctx),
                          values=shown, errors=errors, open_later=open_later,
                          duplicate_of=duplicate_of)
    return RedirectResponse(f"/placement/requests/{created.id}", status_code=303)


@router.post("/placement/new", response_model=None)
async def create_request(request: Request, ctx: RequestCtx, tpl: TemplatesDep) -> Response:
    values = await form_lists(request)
    return await run_in_threadpool(_create, request, ctx, tpl, values)


_detail = followup_pages.detail


def _offset(value: str | None) -> int:
    # A hand-edited ?offset= shows the first page rather than an error.
    return min(int(value), 10**6) if value and value.isdigit() else 0


@router.get("/placement/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, ctx: Annotated[Ctx, view(Permission.PLACEMENT_REQUEST)],
                 tpl: TemplatesDep, request_id: int, offset: str | None = None) -> HTMLResponse:
    return _detail(request, ctx, tpl, request_id, offset=_offset(offset))


@router.get("/placement/requests/{request_id}/excluded", response_class=HTMLResponse)
def excluded_page(request: Request, ctx: Annotated[Ctx, view(Permission.PLACEMENT_WORK)],
                  tpl: TemplatesDep, request_id: int, rule: str | None = None,
                  offset: str | None = None) -> HTMLResponse:
    """The excluded units of one rule (or all), nearest to the patient first, each with why."""
    item = service.get_request(ctx.session, ctx.user, request_id, purpose="match")
    chosen = Rule(rule) if rule in set(Rule) else None
    found = service.excluded_for(ctx.session, item, rule=chosen, offset=_offset(offset))
    return tpl.render(request, ctx, "placement/excluded.html", item=item, found=found,
                      rules=RULE_SUMMARY, page=service.PAGE, **_texts(ctx))


def _reserve(request: Request, ctx: Ctx, tpl: Templates, request_id: int,
             values: dict[str, list[str]]) -> Response:
    # One form for the options table: the pressed button names its option "unit:bed type",
    # and the hold time field above the table applies to whichever is chosen. The fields of
    # the API (unit_id, bed_type_code) are understood too.
    option = _one(values, "option")
    unit, _, code = (option.partition(":") if option else
                     (_one(values, "unit_id") or "", "", _one(values, "bed_type_code") or ""))
    minutes = _one(values, "hold_minutes")
    try:
        if not unit.isdigit() or len(unit) > 10 or not code:
            raise ValidationProblem("unit_id", "choose an option")
        if minutes is not None and not (minutes.isdigit() and len(minutes) < 6):
            raise ValidationProblem("hold_minutes", "the hold time is a whole number of minutes")
        service.reserve(ctx.session, ctx.user, request_id, int(unit), code,
                        hold_minutes=int(minutes) if minutes else None,
                        policy=service.HoldPolicy.from_settings(ctx.settings))
    except service.NoFreeBed:
        return _detail(request, ctx, tpl, request_id, status_code=409, error=ctx._(
            "Someone else just took this bed, or its report is out of date. Choose another "
            "option."))
    except Conflict:
        return _detail(request, ctx, tpl, request_id, status_code=409, error=ctx._(
            "This request already holds a bed or is closed."))
    except ValidationProblem as problem:
        return _detail(request, ctx, tpl, request_id, status_code=422,
                       error=ctx._(problem.message, **problem.params))
    return RedirectResponse(f"/placement/requests/{request_id}", status_code=303)


@router.post("/placement/requests/{request_id}/reserve", response_model=None)
async def reserve(request: Request, ctx: WorkCtx, tpl: TemplatesDep,
                  request_id: int) -> Response:
    values = await form_lists(request)
    return await run_in_threadpool(_reserve, request, ctx, tpl, request_id, values)


def _close(request: Request, ctx: Ctx, tpl: Templates, request_id: int,
           values: dict[str, list[str]]) -> Response:
    action = _one(values, "action")
    try:
        if action == "cancel":
            service.cancel_request(ctx.session, ctx.user, request_id,
                                   _one(values, "note") or ctx._("cancelled"))
        else:
            if not _one(values, "reason"):
                # The form starts without a reason so that nobody closes with a default one.
                raise ValidationProblem("reason", "choose why the patient cannot be placed")
            body = UnplacedIn.model_validate({"reason": _one(values, "reason"),
                                              "note": _one(values, "note")})
            service.close_unplaced(ctx.session, ctx.user, request_id, body.reason, body.note)
    except ValidationError as exc:
        first = validation.problems(exc)[0]
        return _detail(request, ctx, tpl, request_id, status_code=422,
                       error=ctx._(first.message, **first.params))
    except ValidationProblem as problem:
        return _detail(request, ctx, tpl, request_id, status_code=422,
                       error=ctx._(problem.message, **problem.params))
    except Conflict:
        return _detail(request, ctx, tpl, request_id, status_code=409,
                       error=ctx._("The request is already closed."))
    return RedirectResponse(f"/placement/requests/{request_id}", status_code=303)


@router.post("/placement/requests/{request_id}/close", response_model=None)
async def close(request: Request, ctx: WorkCtx, tpl: TemplatesDep, request_id: int) -> Response:
    values = await form_lists(request)
    return await run_in_threadpool(_close, request, ctx, tpl, request_id, values)


def _incoming(request: Request, ctx: Ctx, tpl: Templates, *, error: str | None = None,
              status_code: int = 200, answered: int | None = None) -> HTMLResponse:
    """The provider's reservations with what they need to decide: care needs, bed type,
    features, urgency, financing, dates, referrer and who reserved (still pseudonymised)."""
    items = service.incoming(ctx.session, organisation_id=ctx.user.scoped_organisation,
                             include_closed=True)
    audit.record_list_read(ctx.session, ctx.user, entity="placement_request",
                           ids=[v.request_id for v in items], purpose="incoming reservations")
    now = utcnow()
    done = next((v for v in items if v.id == answered), None)
    return tpl.render(request, ctx, "placement/incoming.html", status_code=status_code,
                      items=items, now=now, today=now.date(), error=error, answered=done,
                      age=display.age,
                      places=display.places(ctx.session, [v.unit_id for v in items]),
                      referrers=display.referrers(
                          ctx.session, [v.request.referrer_organisation_id for v in items]),
                      **_texts(ctx))


def _answered(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@router.get("/placement/incoming", response_class=HTMLResponse)
def incoming(request: Request, ctx: AnswerCtx, tpl: TemplatesDep,
             answered: str | None = None) -> HTMLResponse:
    # ?answered= names the reservation just answered: the page confirms what happened to it.
    return _incoming(request, ctx, tpl, answered=_answered(answered))


def _answer(request: Request, ctx: Ctx, tpl: Templates, reservation_id: int,
            values: dict[str, list[str]]) -> Response:
    try:
        if _one(values, "action") == "accept":
            service.accept(ctx.session, ctx.user, reservation_id)
        else:
            reason = _one(values, "reason")
            if not reason:
                raise ValidationProblem("reason", "give a reason for declining")
            service.decline(ctx.session, ctx.user, reservation_id, reason[:1000])
    except (Conflict, ValidationProblem) as exc:
        message = (ctx._(exc.message, **exc.params) if isinstance(exc, ValidationProblem)
                   else ctx._("This reservation can no longer be answered (expired or "
                              "already answered)."))
        return _incoming(request, ctx, tpl, error=message, status_code=409)
    return RedirectResponse(f"/placement/incoming?answered={reservation_id}#reservation-"
                            f"{reservation_id}", status_code=303)


@router.post("/placement/reservations/{reservation_id}/answer", response_model=None)
async def answer(request: Request, ctx: AnswerCtx, tpl: TemplatesDep,
                 reservation_id: int) -> Response:
    values = await form_lists(request)
    return await run_in_threadpool(_answer, request, ctx, tpl, reservation_id, values)


@router.get("/placement/unplaced", response_class=HTMLResponse)
def unplaced(request: Request, ctx: Annotated[Ctx, view(Permission.UNPLACED_VIEW)],
             tpl: TemplatesDep, days: int = 90) -> HTMLResponse:
    days = max(1, min(days, 3650))
    today = utcnow().date()
    start = today - timedelta(days=days)
    result = service.analyse(ctx.session, start, today, today=today)
    names = {b.code: b.name for b in ctx.session.scalars(select(BedType))}
    gemeenten = {g.code: g.name for g in ctx.session.scalars(select(Gemeente))}
    # The requests behind the figures; only codes, dates and the reason (no patient details),
    # so an analyst may see the list; those who may open a request get links.
    closed = list(ctx.session.scalars(
        select(PlacementRequest).where(
            PlacementRequest.status == RequestStatus.UNPLACED,
            PlacementRequest.created_at >= datetime.combine(start, time.min, tzinfo=UTC))
        .order_by(PlacementRequest.closed_at.desc(), PlacementRequest.id.desc()).limit(200)))
    return tpl.render(request, ctx, "placement/unplaced.html", result=result, days=days,
                      bed_type_names=names, gemeente_names=gemeenten, number=display.number,
                      unplaced_requests=closed,
                      can_open=ctx.user.can(Permission.PLACEMENT_REQUEST))
