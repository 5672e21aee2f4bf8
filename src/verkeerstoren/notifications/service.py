"""In-app notifications: create (with webhook fan-out and a live event), list, count, mark read.

``notify`` is the one entry point for the other capabilities (placement, reminders). The title and
body are stored as English msgids with ``{placeholders}``; the payload fills them when a page shows
the notification, so a Dutch user reads Dutch and an English user English. Webhooks receive the
English text plus the machine-readable payload.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from verkeerstoren.notifications import storing
from verkeerstoren.notifications.models import Notification, WebhookDelivery
from verkeerstoren.storage.base import utcnow
from verkeerstoren.storage.events import emit
from verkeerstoren.web.i18n import Translate

# Every event a notification (and a webhook subscription) can be about.
EVENTS: tuple[str, ...] = (
    "reservation.new",
    "reservation.expiring",
    "reservation.expired",
    "reservation.declined",
    "reservation.accepted",
    "reservation.cancelled",
    "request.placed",
    "report.stale",
)
LIVE_EVENT = "notification"
MAX_TITLE = 200
MAX_BODY = 1000
MAX_LINK = 300
MAX_LIST = 200

# Ready-made English msgids (Dutch in notifications.po) that callers may pass as title/body;
# their placeholders name the payload keys they need.
MESSAGES: dict[str, tuple[str, str]] = {
    "reservation.new": (
        "New reservation for {unit}",
        "A bed ({bed_type}) is held for a patient until {hold_until}. Please accept or decline.",
    ),
    "reservation.expiring": (
        "Reservation for {unit} expires soon",
        "The hold on a bed ({bed_type}) expires at {hold_until}. Please accept or decline.",
    ),
    "reservation.expired": (
        "Reservation for {unit} expired",
        "The hold on a bed ({bed_type}) expired without an answer; the bed is free again.",
    ),
    "reservation.declined": (
        "Reservation declined by {unit}",
        "The provider declined the reservation ({bed_type}): {reason}",
    ),
    "reservation.accepted": (
        "Reservation accepted by {unit}",
        "The provider accepted the reservation ({bed_type}).",
    ),
    "reservation.cancelled": (
        "Reservation for {unit} withdrawn",
        "The hold on a bed ({bed_type}) was withdrawn by the coordinator: {reason}",
    ),
    "request.placed": (
        "Patient placed in {unit}",
        "The request was placed in {unit} ({bed_type}) from {admission_date}.",
    ),
    "report.stale": (
        "Your availability report is out of date",
        "Not reported in time: {units}. Please report your beds.",
    ),
}


class _Blank(dict[str, Any]):
    """Unknown placeholders render empty instead of failing a page."""

    def __missing__(self, key: str) -> str:
        return ""


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields a msgid uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(text: str, params: Mapping[str, Any] | None, translate: Translate | None = None) -> str:
    """Translate a msgid (when a translator is given) and fill in its placeholders."""
    template = translate(text) if translate is not None else text
    if not params and not placeholders(template):
        return template
    try:
        return template.format_map(_Blank(params or {}))
    except (ValueError, AttributeError, IndexError, KeyError):  # a malformed translation
        return template


def _json_safe(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    # Dates, decimals and enums become strings once, so the stored params, the webhook body
    # and the live event all carry the same values.
    loaded = json.loads(json.dumps(dict(payload or {}), default=str))
    assert isinstance(loaded, dict)
    return loaded


def _check(event: str, title: str, body: str, link: str | None, params: Mapping[str, Any]) -> None:
    # Programming errors of the caller, not user input: fail loudly in tests.
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}; known: {', '.join(EVENTS)}")
    if not title or len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise ValueError("notification title must be 1-200 and body at most 1000 characters")
    if link is not None and (len(link) > MAX_LINK or not link.startswith("/")):
        raise ValueError("notification link must be a site path starting with '/'")
    missing = (placeholders(title) | placeholders(body)) - set(params)
    if missing:
        raise ValueError(f"payload lacks the placeholders {sorted(missing)} of the message")


def webhook_body(notification: Notification, data: Mapping[str, Any]) -> str:
    """The JSON document posted to webhooks (see docs/webhooks.md)."""
    params = notification.params or {}
    document = {
        "id": notification.id,
        "event": notification.event,
        "created_at": notification.created_at.isoformat(),
        "organisation_id": notification.organisation_id,
        "title": render(notification.title, params),
        "body": render(notification.body, params),
        "link": notification.link,
        "data": dict(data),
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def notify(
    session: Session,
    *,
    organisation_id: int,
    event: str,
    title: str,
    body: str,
    link: str | None = None,
    payload: dict[str, Any] | None = None,
    reservation_id: int | None = None,
    now: datetime | None = None,
) -> Notification:
    """Notify an organisation: store the message, queue its webhooks, push a live event.

    Runs inside the caller's transaction: if the caller rolls back, nothing was notified and no
    webhook is posted; webhooks are posted by the delivery worker only after the commit.
    ``now`` defaults to the current time (jobs with their own clock pass theirs);
    ``reservation_id`` names the reservation the notification is about.
    """
    params = _json_safe(payload)
    _check(event, title, body, link, params)
    now = now or utcnow()
    notification = Notification(
        organisation_id=organisation_id, event=event, title=title, body=body, link=link,
        params=params, created_at=now, reservation_id=reservation_id,
    )
    hooks = storing.insert_with_webhooks(session, notification)  # one statement for both
    subscribed = [hook_id for hook_id, events in hooks if event in events]
    # Rendered only for a subscriber: most organisations have no webhook.
    document = webhook_body(notification, params) if subscribed else ""
    for hook_id in subscribed:
        session.add(WebhookDelivery(
            webhook_id=hook_id, event=event, payload=document, status="pending",
            attempts=0, next_attempt_at=now, created_at=now,
        ))
    emit(session, LIVE_EVENT, organisation_id=organisation_id, event=event, id=notification.id)
    return notification


def _org_filter(organisation_id: int | None) -> Any:
    # A user without an organisation has no notifications (never "everyone's").
    return Notification.organisation_id == (organisation_id if organisation_id else -1)


def unread_count(session: Session, organisation_id: int | None) -> int:
    """How many of the organisation's notifications nobody has read yet."""
    count = session.scalar(
        select(func.count(Notification.id)).where(
            _org_filter(organisation_id), Notification.read_at.is_(None))
    )
    return int(count or 0)


def list_for(
    session: Session,
    organisation_id: int | None,
    *,
    unread_only: bool = False,
    limit: int = 50,
    before_id: int | None = None,
) -> list[Notification]:
    """The organisation's notifications, newest first (page on with ``before_id``)."""
    stmt = select(Notification).where(_org_filter(organisation_id))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    stmt = stmt.order_by(Notification.id.desc()).limit(max(1, min(limit, MAX_LIST)))
    return list(session.scalars(stmt))


def mark_read(
    session: Session,
    organisation_id: int | None,
    notification_ids: Sequence[int] | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Mark the given (or, with None, all) unread notifications of the organisation as read.

    Ids of other organisations are ignored, not an error: they simply do not match.
    Returns how many were marked.
    """
    stmt = (
        update(Notification)
        .where(_org_filter(organisation_id), Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    if notification_ids is not None:
        ids = list(dict.fromkeys(notification_ids))[:MAX_LIST]
        if not ids:
            return 0
        stmt = stmt.where(Notification.id.in_(ids))
    marked = session.execute(stmt).rowcount  # type: ignore[attr-defined]
    if marked and organisation_id:
        emit(session, LIVE_EVENT, organisation_id=organisation_id, event="read", id=None)
    return int(marked or 0)
