"""Webhook subscriptions: register, list, remove, and the delivery log of one webhook.

A provider manages its own organisation's webhooks; an administrator those of any organisation.
The secret is generated here and shown once, at registration; it signs every delivery (see
``signing`` and docs/webhooks.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import Forbidden, NotFound, ValidationProblem
from verkeerstoren.notifications.models import Webhook, WebhookAttempt, WebhookDelivery
from verkeerstoren.notifications.service import EVENTS
from verkeerstoren.outbound import Outbound
from verkeerstoren.registry.models import Organisation
from verkeerstoren.storage.base import utcnow

MAX_WEBHOOKS_PER_ORGANISATION = 20
LOG_LIMIT = 100


def check_url(url: str) -> str:
    """Only absolute http(s) URLs without credentials (they would end up in logs and pages)."""
    value = url.strip()
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in value):  # spaces, NUL and other controls
        raise ValidationProblem("url", "the address must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        hostname = None
    if not hostname or parts.scheme.lower() not in ("http", "https"):
        raise ValidationProblem("url", "the address must start with http:// or https://")
    if parts.username or parts.password:
        raise ValidationProblem("url", "the address must not contain a user name or password")
    if len(value) > 500:
        raise ValidationProblem("url", "too long (at most {max_length} characters)",
                                params={"max_length": 500})
    return value


def check_events(events: Sequence[str]) -> list[str]:
    """Known event names, each once, in the canonical order."""
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValidationProblem("events", "unknown event: {event}", params={"event": unknown[0]})
    chosen = [e for e in EVENTS if e in set(events)]
    if not chosen:
        raise ValidationProblem("events", "choose at least one event")
    return chosen


def _target_organisation(session: Session, actor: Actor, organisation_id: int | None) -> int:
    if not actor.can(Permission.WEBHOOKS_MANAGE):
        raise Forbidden("role may not manage webhooks")
    own = actor.scoped_organisation
    if own is not None:
        if organisation_id not in (None, own):
            raise Forbidden("a provider manages only its own organisation's webhooks")
        return own
    target = organisation_id if organisation_id is not None else actor.organisation_id
    if target is None:
        raise ValidationProblem("organisation_id", "this field is required")
    if session.get(Organisation, target) is None:
        raise ValidationProblem("organisation_id", "unknown organisation")
    return target


@dataclass(frozen=True)
class Registered:
    """A new webhook and its secret (the only time the secret is shown)."""

    webhook: Webhook
    secret: str


def register(
    session: Session,
    actor: Actor,
    *,
    url: str,
    events: Sequence[str],
    organisation_id: int | None = None,
    outbound: Outbound,
) -> Registered:
    """Register a webhook for the actor's organisation (an admin may name another one).

    ``outbound`` refuses an address on an internal network (checked again at every delivery).
    """
    target = _target_organisation(session, actor, organisation_id)
    clean_url = check_url(url)
    outbound.check_url(clean_url)
    chosen = check_events(events)
    existing = session.scalars(select(Webhook).where(Webhook.organisation_id == target)).all()
    if len(existing) >= MAX_WEBHOOKS_PER_ORGANISATION:
        raise ValidationProblem("url", "at most {n} webhooks per organisation",
                                params={"n": MAX_WEBHOOKS_PER_ORGANISATION})
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook(organisation_id=target, url=clean_url, secret=secret, events=chosen,
                   active=True, created_at=utcnow())
    session.add(hook)
    session.flush()
    return Registered(hook, secret)


def _visible(actor: Actor) -> ColumnElement[bool]:
    own = actor.scoped_organisation
    return true() if own is None else Webhook.organisation_id == own


def list_webhooks(session: Session, actor: Actor) -> list[Webhook]:
    """The actor's organisation's webhooks (all organisations' for an administrator)."""
    if not actor.can(Permission.WEBHOOKS_MANAGE):
        raise Forbidden("role may not manage webhooks")
    stmt = select(Webhook).where(_visible(actor)).order_by(Webhook.organisation_id, Webhook.id)
    return list(session.scalars(stmt))


def get_webhook(session: Session, actor: Actor, webhook_id: int) -> Webhook:
    """One webhook the actor may manage; another organisation's is simply not found."""
    if not actor.can(Permission.WEBHOOKS_MANAGE):
        raise Forbidden("role may not manage webhooks")
    hook = session.scalar(select(Webhook).where(Webhook.id == webhook_id, _visible(actor)))
    if hook is None:
        raise NotFound("webhook", webhook_id)
    return hook


def delete_webhook(session: Session, actor: Actor, webhook_id: int) -> None:
    """Remove a webhook with its pending deliveries and log."""
    hook = get_webhook(session, actor, webhook_id)
    # Delete children explicitly: SQLite enforces ON DELETE CASCADE only with foreign keys on.
    delivery_ids = select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == hook.id)
    for attempt in session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))):
        session.delete(attempt)
    for delivery in session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)):
        session.delete(delivery)
    session.flush()
    session.delete(hook)
    session.flush()


@dataclass(frozen=True)
class LogEntry:
    """A delivery and its attempts, newest first."""

    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


def delivery_log(session: Session, actor: Actor, webhook_id: int,
                 limit: int = LOG_LIMIT) -> list[LogEntry]:
    """The latest deliveries of one webhook, each with every attempt made."""
    hook = get_webhook(session, actor, webhook_id)
    deliveries = list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc()).limit(max(1, min(limit, LOG_LIMIT)))))
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        for attempt in session.scalars(
                select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(list(attempts)))
                .order_by(WebhookAttempt.id.desc())):
            attempts[attempt.delivery_id].append(attempt)
    return [LogEntry(d, attempts[d.id]) for d in deliveries]
