"""Storing a notification and finding the webhooks it goes to, in one statement.

``service.notify`` would otherwise insert the notification through the ORM and ask for the
organisation's webhooks in a second statement. The webhooks are the organisation's active ones
(every organisation's: the notified one's webhooks count whoever notifies, as
``across_organisations`` says), by id.

* PostgreSQL: the INSERT is a data-modifying CTE, and the same statement returns the new id
  joined with the webhooks (one row per webhook).
* SQLite (no data-modifying CTEs): the INSERT's RETURNING carries a scalar subquery that reads
  the webhooks as one JSON array, ``[[id, events], …]``.

The ORM's flush hook never sees this row, so its audit entry is appended here, the same entry
the hook would write; the object then joins the session as a persistent row.
"""

from __future__ import annotations

import json

from sqlalchemy import Table, and_, bindparam, func, insert, select, true
from sqlalchemy.orm import Session, make_transient_to_detached

from verkeerstoren.access.scoping import actor_of
from verkeerstoren.audit import service as audit
from verkeerstoren.notifications.models import Notification, Webhook
from verkeerstoren.storage.base import is_postgresql

_NOTIFICATION: Table = Notification.__table__  # type: ignore[assignment]
_WEBHOOK: Table = Webhook.__table__  # type: ignore[assignment]


_COLUMNS = ("organisation_id", "event", "title", "body", "link", "created_at", "params",
            "reservation_id")
_INSERT = insert(_NOTIFICATION).values(
    {name: bindparam(name, type_=_NOTIFICATION.c[name].type) for name in _COLUMNS})
_HOOKS = _WEBHOOK.c
_ACTIVE = and_(_HOOKS.organisation_id == bindparam("organisation_id"), _HOOKS.active.is_(true()))
# Built once: a statement built per call costs its cache key on every reservation.
_NEW = _INSERT.returning(_NOTIFICATION.c.id).cte("new_notification")
_POSTGRESQL = (
    select(_NEW.c.id, _HOOKS.id, _HOOKS.events)
    .select_from(_NEW.outerjoin(_WEBHOOK, _ACTIVE))
    .order_by(_HOOKS.id))
_ACTIVE_HOOKS = select(_HOOKS.id, _HOOKS.events).where(_ACTIVE).subquery()
_SQLITE = _INSERT.returning(_NOTIFICATION.c.id, select(func.json_group_array(
    func.json_array(_ACTIVE_HOOKS.c.id, func.json(_ACTIVE_HOOKS.c.events)))).scalar_subquery())


def insert_with_webhooks(session: Session,
                         notification: Notification) -> list[tuple[int, list[str]]]:
    """Insert ``notification`` (not yet in the session; its id is set here) and return its
    organisation's active webhooks as (id, events), by id."""
    values = {name: getattr(notification, name) for name in _COLUMNS}
    connection = session.connection()
    if is_postgresql(session):
        rows = connection.execute(_POSTGRESQL, values).all()
        notification.id = rows[0][0]
        hooks = [(hook_id, list(events or [])) for _, hook_id, events in rows
                 if hook_id is not None]
    else:
        notification.id, found = connection.execute(_SQLITE, values).one()
        hooks = sorted((hook_id, list(events or [])) for hook_id, events in json.loads(found))
    notification.read_at = None
    audit.append_many(session, actor_of(session), [audit.creation(notification)])
    make_transient_to_detached(notification)
    session.add(notification)
    return hooks
