"""The request page and what follows a request after it was made (issue 14): completing its
details while the bed is held, releasing a hold to choose another option, and the live events
that let the request page and the work queue follow a provider's answer.

Apart from ``placement.pages`` (which includes this router and shows the request page through
:func:`detail`), so that module stays readable.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from verkeerstoren import validation
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import Conflict, ValidationProblem
from verkeerstoren.placement import display, service, visibility
from verkeerstoren.placement.matching import RULE_SUMMARY
from verkeerstoren.placement.models import (
    RequestStatus,
    ReservationStatus,
    StatusChange,
    UnplacedReason,
)
from verkeerstoren.placement.schemas import DetailsIn
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.forms import form_lists
from verkeerstoren.web.sse import sse_response
from verkeerstoren.web.templating import Templates, templates

router = APIRouter(include_in_schema=False)
TemplatesDep = Annotated[Templates, Depends(templates)]
DETAIL_FIELDS = ("birth_year", "sex", "referrer_name", "care_needs", "medically_discharged_on")


def texts(ctx: Ctx) -> dict[str, Any]:
    """Names and Dutch texts for a page's codes: one read of the reference tables per page."""
    return {"texts": display.Texts(ctx._, display.names(ctx.session)),
            "number": display.number}


def one(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    return found[0].strip() if found and found[0].strip() else None


def detail(request: Request, ctx: Ctx, tpl: Templates, request_id: int,
           error: str | None = None, status_code: int = 200, offset: int = 0,
           typed: dict[str, str] | None = None) -> HTMLResponse:
    """The request page; ``typed`` is what the details form held when it was refused."""
    item = service.get_request(ctx.session, ctx.user, request_id)
    can_work = ctx.user.can(Permission.PLACEMENT_WORK)
    found = service.options_for(ctx.session, item, offset=offset) if can_work else None
    history = list(ctx.session.scalars(
        select(StatusChange).where(StatusChange.request_id == item.id).order_by(StatusChange.id)))
    now = utcnow()
    held = next((v for v in item.reservations if v.status is ReservationStatus.HELD), None)
    shown = [o.candidate.unit_id for o in found.options] if found else []
    shown += [u for u in (held.unit_id if held else None, item.placed_unit_id) if u is not None]
    return tpl.render(request, ctx, "placement/request.html", status_code=status_code,
                      places=display.places(ctx.session, shown), age=display.age,
                      today=now.date(), hold=service.HoldPolicy.from_settings(ctx.settings),
                      item=item, match=found, page=service.PAGE, rules=RULE_SUMMARY,
                      history=history, held=held, error=error,
                      can_work=can_work, reasons=list(UnplacedReason),
                      left_seconds=int((held.held_until - now).total_seconds()) if held else 0,
                      live=item.status in (RequestStatus.OPEN, RequestStatus.RESERVED),
                      typed=typed or {},
                      # Incomplete details are asked for on the page (they may follow later).
                      incomplete=item.birth_year is None or item.sex is None
                      or not item.referrer_name,
                      **texts(ctx))


def _details(request: Request, ctx: Ctx, tpl: Templates, request_id: int,
             values: dict[str, list[str]]) -> Response:
    typed = {k: one(values, k) or "" for k in DETAIL_FIELDS}
    # An emptied field is left as it was: details are completed, not erased.
    given = {k: v for k, v in typed.items() if v}
    try:
        service.complete_details(ctx.session, ctx.user, request_id, DetailsIn.model_validate(given))
    except ValidationError as exc:
        first = validation.problems(exc)[0]
        return detail(request, ctx, tpl, request_id, status_code=422, typed=typed,
                                 error=ctx._(first.message, **first.params))
    except ValidationProblem as problem:
        return detail(request, ctx, tpl, request_id, status_code=422, typed=typed,
                                 error=ctx._(problem.message, **problem.params))
    except Conflict:
        return detail(request, ctx, tpl, request_id, status_code=409,
                                 error=ctx._("The request is already closed."))
    return RedirectResponse(f"/placement/requests/{request_id}?saved=details", status_code=303)


@router.post("/placement/requests/{request_id}/details", response_model=None)
async def complete_details(request: Request,
                           ctx: Annotated[Ctx, edit(Permission.PLACEMENT_REQUEST)],
                           tpl: TemplatesDep, request_id: int) -> Response:
    """Year of birth, sex, referrer, care needs, discharge date: added while the bed is held."""
    values = await form_lists(request)
    return await run_in_threadpool(_details, request, ctx, tpl, request_id, values)


def _release(request: Request, ctx: Ctx, tpl: Templates, request_id: int,
             reservation_id: int) -> Response:
    item = service.get_request(ctx.session, ctx.user, request_id, purpose="release hold")
    held = next((v for v in item.reservations
                 if v.id == reservation_id and v.status is ReservationStatus.HELD), None)
    try:
        if held is None:
            raise Conflict("the reservation is no longer held")
        # The same withdrawal as the API's cancel: the bed is free again, the request stays
        # open, and its options are shown again.
        service.cancel(ctx.session, ctx.user, reservation_id,
                       ctx._("Released to choose another option"))
    except Conflict:
        return detail(request, ctx, tpl, request_id, status_code=409, error=ctx._(
            "This reservation can no longer be released (expired or already answered)."))
    return RedirectResponse(f"/placement/requests/{request_id}", status_code=303)


@router.post("/placement/requests/{request_id}/release/{reservation_id}", response_model=None)
async def release_hold(request: Request, ctx: Annotated[Ctx, edit(Permission.PLACEMENT_WORK)],
                       tpl: TemplatesDep, request_id: int, reservation_id: int) -> Response:
    """Release the held bed without closing the request, to reserve another option."""
    return await run_in_threadpool(_release, request, ctx, tpl, request_id, reservation_id)


@router.get("/placement/events")
async def placement_events(request: Request,
                           ctx: Annotated[Ctx, view(Permission.PLACEMENT_REQUEST)]
                           ) -> StreamingResponse:
    """Server-Sent Events: ``request`` with the id of a request that changed (reserved,
    accepted, declined, expired, closed), only of the requests this user may open: a referrer
    hears of its own organisation's alone, not that (or when) others' requests move. Only the
    id: the page reloads what it may see."""
    db: Database = request.app.state.db
    # Decided from the event itself (no query per event and stream), in the publishing thread
    # so that other requests' events do not even wake this stream.
    hears = visibility.hears(ctx.user)

    def pick(message: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        # Asked again: the bus delivers an event whose filter raised, and this one must not leak.
        if not hears(message) or not isinstance(message.get("request_id"), int):
            return None
        return "request", {"id": message["request_id"]}

    return sse_response(request, db.events, pick, retry_ms=3000, accepts=hears)
