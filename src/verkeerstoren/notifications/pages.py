"""Pages: the notification list and top-bar badge (pushed live), webhooks and their delivery log."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import DomainError, ValidationProblem
from verkeerstoren.notifications import service, webhooks
from verkeerstoren.notifications.models import Notification
from verkeerstoren.notifications.schemas import MAX_ID
from verkeerstoren.registry.models import Organisation
from verkeerstoren.storage import Database
from verkeerstoren.storage.events import Accepts
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.forms import form_lists
from verkeerstoren.web.sse import sse_response
from verkeerstoren.web.templating import NavItem, Templates, format_dt, templates

router = APIRouter(include_in_schema=False)
# The top-bar badge (base.html) leads to the list; no menu entry needed.
NAV: list[NavItem] = []

TemplatesDep = Annotated[Templates, Depends(templates)]
ReadCtx = Annotated[Ctx, view(Permission.NOTIFICATIONS_VIEW)]
MarkCtx = Annotated[Ctx, edit(Permission.NOTIFICATIONS_VIEW)]
HooksCtx = Annotated[Ctx, view(Permission.WEBHOOKS_MANAGE)]
HooksEditCtx = Annotated[Ctx, edit(Permission.WEBHOOKS_MANAGE)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]

# msgids of the event names (Dutch in notifications.po).
EVENT_LABELS: dict[str, str] = {
    "reservation.new": "New reservation",
    "reservation.expiring": "Reservation about to expire",
    "reservation.expired": "Reservation expired",
    "reservation.declined": "Reservation declined",
    "reservation.accepted": "Reservation accepted",
    "reservation.cancelled": "Reservation withdrawn",
    "request.placed": "Patient placed",
    "report.stale": "Availability report out of date",
}
STATUS_LABELS: dict[str, str] = {
    "pending": "pending", "delivered": "delivered", "failed": "failed"}


def _readable(value: Any) -> Any:
    """A moment stored as ISO text ("held until 2026-03-29T09:00:00+00:00", as webhooks get it)
    in Dutch wall-clock time, as every page shows times; anything else as it is."""
    if isinstance(value, str) and "T" in value and len(value) >= 16:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_dt(moment)
    return value


def _shown(ctx: Ctx, notification: Notification) -> dict[str, Any]:
    params = {k: _readable(v) for k, v in (notification.params or {}).items()}
    return {"n": notification, "title": service.render(notification.title, params, ctx._),
            "body": service.render(notification.body, params, ctx._)}


def _list_context(ctx: Ctx) -> dict[str, Any]:
    found = service.list_for(ctx.session, ctx.user.organisation_id, limit=100)
    return {"items": [_shown(ctx, n) for n in found], "labels": EVENT_LABELS,
            "unread": sum(1 for n in found if n.read_at is None)}


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, ctx: ReadCtx, tpl: TemplatesDep) -> HTMLResponse:
    return tpl.render(request, ctx, "notifications/list.html", **_list_context(ctx),
                      manage=ctx.user.can(Permission.WEBHOOKS_MANAGE))


@router.get("/notifications/list", response_class=HTMLResponse)
def notifications_fragment(request: Request, ctx: ReadCtx, tpl: TemplatesDep) -> HTMLResponse:
    """The list alone, reloaded by the page when a notification arrives."""
    return tpl.render(request, ctx, "notifications/_list.html", **_list_context(ctx))


@router.get("/notifications/badge", response_class=HTMLResponse)
def badge(request: Request, ctx: ReadCtx, tpl: TemplatesDep) -> HTMLResponse:
    """The top-bar badge content: the unread count."""
    count = service.unread_count(ctx.session, ctx.user.organisation_id)
    return tpl.render(request, ctx, "notifications/_badge.html", count=count)


@router.get("/notifications/events")
async def notification_events(request: Request, ctx: ReadCtx) -> StreamingResponse:
    """Server-Sent Events: one ``notification`` message per change for your organisation."""
    db: Database = request.app.state.db
    hears = _hears(ctx.user.organisation_id)

    def pick(message: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        # Asked again: the bus delivers an event whose filter raised.
        if not hears(message):
            return None
        return service.LIVE_EVENT, {"event": message.get("event"), "id": message.get("id")}

    # Decided in the publishing thread: every page has this stream open, and without the
    # filter each one was woken for every report in the country, to drop it.
    return sse_response(request, db.events, pick, retry_ms=3000, accepts=hears)


@functools.cache
def _hears(organisation_id: int | None) -> Accepts:
    """The filter of an organisation's notification streams: one function per organisation,
    shared by all its open pages (the event bus asks a shared filter once per event)."""

    def accepts(message: dict[str, Any]) -> bool:
        return (organisation_id is not None and message.get("type") == service.LIVE_EVENT
                and message.get("organisation_id") == organisation_id)

    return accepts


def _ids(values: dict[str, list[str]]) -> list[int] | None:
    if values.get("all"):
        return None
    ids = [int(v) for v in values.get("id", []) if v.isdigit() and 0 < int(v) <= MAX_ID]
    return ids[: service.MAX_LIST]


@router.post("/notifications/read", response_model=None)
async def mark_read(request: Request, ctx: MarkCtx) -> Response:
    values = await form_lists(request)
    await run_in_threadpool(service.mark_read, ctx.session, ctx.user.organisation_id,
                            _ids(values))
    return RedirectResponse("/notifications", status_code=303)


def _organisations(ctx: Ctx) -> list[Organisation]:
    if ctx.user.scoped_organisation is not None:
        return []
    return list(ctx.session.scalars(select(Organisation).order_by(Organisation.name)))


def _hooks_context(ctx: Ctx) -> dict[str, Any]:
    hooks = webhooks.list_webhooks(ctx.session, ctx.user)
    orgs = _organisations(ctx)
    names = {o.id: o.name for o in orgs}
    return {"hooks": hooks, "organisations": orgs, "org_names": names,
            "events": service.EVENTS, "labels": EVENT_LABELS, "created": None, "error": None,
            "chosen": list(service.EVENTS), "url": ""}


@router.get("/notifications/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, ctx: HooksCtx, tpl: TemplatesDep) -> HTMLResponse:
    return tpl.render(request, ctx, "notifications/webhooks.html", **_hooks_context(ctx))


def _register(request: Request, ctx: Ctx, tpl: Templates,
              values: dict[str, list[str]]) -> Response:
    url = (values.get("url") or [""])[0]
    chosen = values.get("events", [])
    org = (values.get("organisation_id") or [""])[0]
    error: str | None = None
    created: webhooks.Registered | None = None
    try:
        if len(url) > 500:
            raise ValidationProblem("url", "too long (at most {max_length} characters)",
                                    params={"max_length": 500})
        created = webhooks.register(
            ctx.session, ctx.user, url=url, events=chosen[:20],
            organisation_id=int(org) if org.isdigit() and 0 < int(org) <= MAX_ID else None,
            outbound=ctx.settings.outbound)
    except ValidationProblem as problem:
        error = ctx._(problem.message, **problem.params)
    except DomainError as exc:
        error = str(exc)
    context = _hooks_context(ctx)
    context.update(created=created, error=error)
    if error:
        context.update(chosen=chosen, url=url)
    return tpl.render(request, ctx, "notifications/webhooks.html",
                      status_code=422 if error else 200, **context)


@router.post("/notifications/webhooks", response_model=None)
async def register_webhook(request: Request, ctx: HooksEditCtx, tpl: TemplatesDep) -> Response:
    values = await form_lists(request)
    return await run_in_threadpool(_register, request, ctx, tpl, values)


@router.post("/notifications/webhooks/{webhook_id}/delete", response_model=None)
def delete_webhook(ctx: HooksEditCtx, webhook_id: Id) -> Response:
    webhooks.delete_webhook(ctx.session, ctx.user, webhook_id)
    return RedirectResponse("/notifications/webhooks", status_code=303)


@router.get("/notifications/webhooks/{webhook_id}", response_class=HTMLResponse)
def webhook_log(request: Request, ctx: HooksCtx, tpl: TemplatesDep,
                webhook_id: Id) -> HTMLResponse:
    hook = webhooks.get_webhook(ctx.session, ctx.user, webhook_id)
    log = webhooks.delivery_log(ctx.session, ctx.user, webhook_id)
    return tpl.render(request, ctx, "notifications/webhook_log.html", hook=hook, log=log,
                      labels=EVENT_LABELS, statuses=STATUS_LABELS)
