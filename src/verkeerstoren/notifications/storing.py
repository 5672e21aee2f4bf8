"""Storing a notification and finding the webhooks it goes to, in one statement (PostgreSQL).

``service.notify`` otherwise inserts the notification through the ORM and asks for the
organisation's webhooks in a second statement. Here the INSERT is a CTE and the same statement
returns the new id with the organisation's active webhooks (every organisation's: the
notified one's webhooks count whoever notifies, as ``across_organisations`` says on the other
path). The ORM's flush hook never sees this row, so its audit entry is appended here, the same
entry the hook would write; the object then joins the session as a persistent row.
"""

from __future__ import annotations

from sqlalchemy import Table, and_, bindparam, insert, select, true
from sqlalchemy.orm import Session, make_transient_to_detached

from verkeerstoren.access.scoping import actor_of
from verkeerstoren.audit import service as audit
from verkeerstoren.notifications.models import Notification, Webhook

_NOTIFICATION: Table = Notification.__table__  # type: ignore[assignment]
_WEBHOOK: Table = Webhook.__table__  # type: ignore[assignment]


_COLUMNS = ("organisation_id", "event", "title", "body", "link", "created_at", "params",
            "reservation_id")
_NEW = (insert(_NOTIFICATION)
        .values({name: bindparam(name, type_=_NOTIFICATION.c[name].type) for name in _COLUMNS})
        .returning(_NOTIFICATION.c.id).cte("new_notification"))
_HOOKS = _WEBHOOK.c
# Built once: a statement built per call costs its cache key on every reservation.
_STATEMENT = (
    select(_NEW.c.id, _HOOKS.id, _HOOKS.events)
    .select_from(_NEW.outerjoin(_WEBHOOK, and_(
        _HOOKS.organisation_id == bindparam("organisation_id"), _HOOKS.active.is_(true()))))
    .order_by(_HOOKS.id))


def insert_with_webhooks(session: Session,
                         notification: Notification) -> list[tuple[int, list[str]]]:
    """Insert ``notification`` (not yet in the session; its id is set here) and return its
    organisation's active webhooks as (id, events), by id."""
    rows = session.connection().execute(
        _STATEMENT, {name: getattr(notification, name) for name in _COLUMNS}).all()
    notification.id = rows[0][0]
    notification.read_at = None
    audit.append_many(session, actor_of(session), [audit.creation(notification)])
    make_transient_to_detached(notification)
    session.add(notification)
    return [(hook_id, list(events or [])) for _, hook_id, events in rows if hook_id is not None]
