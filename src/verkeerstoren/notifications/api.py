"""JSON API: the own organisation's notifications, and webhook subscriptions with their log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from verkeerstoren.access.roles import Permission
from verkeerstoren.notifications import service, webhooks
from verkeerstoren.notifications.models import Notification, Webhook
from verkeerstoren.notifications.schemas import (
    MAX_ID,
    AttemptOut,
    DeliveryOut,
    MarkReadIn,
    MarkReadOut,
    NotificationOut,
    UnreadOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
)
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view

router = APIRouter(tags=["notifications"])

ReadCtx = Annotated[Ctx, view(Permission.NOTIFICATIONS_VIEW)]
MarkCtx = Annotated[Ctx, edit(Permission.NOTIFICATIONS_VIEW)]
HooksCtx = Annotated[Ctx, view(Permission.WEBHOOKS_MANAGE)]
HooksEditCtx = Annotated[Ctx, edit(Permission.WEBHOOKS_MANAGE)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def to_out(notification: Notification) -> NotificationOut:
    """The API shape, in English."""
    params = notification.params or {}
    return NotificationOut(
        id=notification.id, event=notification.event,
        title=service.render(notification.title, params),
        body=service.render(notification.body, params), link=notification.link, data=params,
        created_at=notification.created_at, read_at=notification.read_at)


def hook_out(hook: Webhook) -> WebhookOut:
    """The API shape of a webhook, without its secret."""
    return WebhookOut(id=hook.id, organisation_id=hook.organisation_id, url=hook.url,
                      events=list(hook.events or []), active=hook.active,
                      created_at=hook.created_at)


@router.get("/notifications", response_model=list[NotificationOut])
def list_notifications(
    ctx: ReadCtx,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIST)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[NotificationOut]:
    """Your organisation's notifications, newest first (page on with ``before_id``)."""
    found = service.list_for(ctx.session, ctx.user.organisation_id, unread_only=unread_only,
                             limit=limit, before_id=before_id)
    return [to_out(n) for n in found]


@router.get("/notifications/unread-count", response_model=UnreadOut)
def unread(ctx: ReadCtx) -> UnreadOut:
    """How many of your organisation's notifications are unread."""
    return UnreadOut(unread=service.unread_count(ctx.session, ctx.user.organisation_id))


@router.post("/notifications/read", response_model=MarkReadOut)
def mark_read(ctx: MarkCtx, body: MarkReadIn) -> MarkReadOut:
    """Mark notifications read (all of them when ``ids`` is left out)."""
    marked = service.mark_read(ctx.session, ctx.user.organisation_id, body.ids)
    return MarkReadOut(marked=marked)


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(ctx: HooksCtx) -> list[WebhookOut]:
    """Your organisation's webhooks (every organisation's for an administrator)."""
    return [hook_out(h) for h in webhooks.list_webhooks(ctx.session, ctx.user)]


@router.post("/webhooks", response_model=WebhookCreatedOut, status_code=201)
def register_webhook(ctx: HooksEditCtx, body: WebhookIn) -> WebhookCreatedOut:
    """Register a webhook; the answer holds its signing secret, shown only this once."""
    created = webhooks.register(ctx.session, ctx.user, url=body.url, events=body.events,
                                organisation_id=body.organisation_id,
                                outbound=ctx.settings.outbound)
    return WebhookCreatedOut(**hook_out(created.webhook).model_dump(), secret=created.secret)


@router.delete("/webhooks/{webhook_id}", status_code=204, response_class=Response)
def delete_webhook(ctx: HooksEditCtx, webhook_id: Id) -> Response:
    """Remove a webhook, its pending deliveries and its log."""
    webhooks.delete_webhook(ctx.session, ctx.user, webhook_id)
    return Response(status_code=204)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def deliveries(ctx: HooksCtx, webhook_id: Id) -> list[DeliveryOut]:
    """The latest deliveries of a webhook, each with every attempt (the delivery log)."""
    return [
        DeliveryOut(
            id=e.delivery.id, event=e.delivery.event, status=e.delivery.status,
            attempts=e.delivery.attempts, next_attempt_at=e.delivery.next_attempt_at,
            last_status_code=e.delivery.last_status_code, last_error=e.delivery.last_error,
            delivered_at=e.delivery.delivered_at, created_at=e.delivery.created_at,
            log=[AttemptOut(attempted_at=a.attempted_at, status_code=a.status_code,
                            error=a.error, duration_ms=a.duration_ms) for a in e.attempts])
        for e in webhooks.delivery_log(ctx.session, ctx.user, webhook_id)
    ]
