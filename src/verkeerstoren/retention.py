"""Retention (P3): the personal data of a placement request is removed a set time after it closed.

What is personal is marked on the columns themselves (``storage.base.PERSONAL``): the patient's
pseudonym, birth year, sex and postcode area, the referrer's name and every free text (care
needs, the closing note, a reservation's reason, a status change's note). The purge sets those
columns to NULL and stamps ``purged_at``; the rest of the row stays, because the region's
aggregates and KPIs read it (status, times, bed types, gemeente, medically-discharged and
admission dates: ``kpi.computed``, ``placement.analysis``, ``planning.observed``). The
notifications about the request's reservations (their texts may repeat a decline reason) and
finished webhook deliveries (their bodies are those texts) are deleted. Why each column is kept
or removed, and how this coexists with the append-only audit log: ``docs/privacy.md``.

The server runs :func:`run_round` every ``VERKEERSTOREN_RETENTION_PURGE_SECONDS``; the CLI's
``verkeerstoren purge`` runs it once. A purge is idempotent (only rows without ``purged_at`` are
due), so two processes purging at the same moment do no harm; on PostgreSQL they also skip each
other's rows (``SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, select, update
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import across_organisations, bind_actor
from verkeerstoren.audit import service as audit
from verkeerstoren.background import Job, make_visible
from verkeerstoren.notifications.models import Notification, WebhookAttempt, WebhookDelivery
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    Reservation,
    StatusChange,
)
from verkeerstoren.settings import Environment, Settings
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import is_personal, utcnow

log = logging.getLogger(__name__)

ACTOR_LABEL = "retention purge"
# A request is purged only once it can no longer change: these statuses are final.
CLOSED = (RequestStatus.PLACED, RequestStatus.UNPLACED, RequestStatus.CANCELLED)
# Requests per transaction step: keeps each IN list and each audit entry bounded.
BATCH = 500
# Webhook deliveries that are no longer retried (delivery.py): their bodies may be deleted.
FINISHED_DELIVERIES = ("delivered", "failed")


def personal_columns(table: Table) -> list[str]:
    """The columns of a table marked as personal data."""
    return [column.name for column in table.columns if is_personal(column.info)]


@dataclass(frozen=True)
class PurgeResult:
    """How many rows a purge emptied or deleted, per kind."""

    cutoff: datetime
    requests: int = 0
    reservations: int = 0
    status_changes: int = 0
    notifications: int = 0
    deliveries: int = 0

    def summary(self) -> str:
        return (f"{self.requests} requests closed before {self.cutoff.isoformat()} purged "
                f"({self.reservations} reservations, {self.status_changes} status changes "
                f"emptied; {self.notifications} notifications, {self.deliveries} webhook "
                "deliveries deleted)")


def due(session: Session, cutoff: datetime) -> list[int]:
    """Ids of the closed requests not yet purged whose closing lies before ``cutoff``."""
    p = PlacementRequest
    query = (select(p.id).where(p.status.in_(CLOSED), p.closed_at < cutoff,
                                p.purged_at.is_(None))
             .order_by(p.id).with_for_update(skip_locked=True))  # SQLite: no FOR UPDATE
    return list(session.scalars(query))


def _emptied(model: Any) -> dict[str, None]:
    return dict.fromkeys(personal_columns(model.__table__))


def _purge_batch(session: Session, ids: Sequence[int], now: datetime) -> tuple[int, int, int]:
    # Core-style bulk statements, not ORM objects: the audit listener would otherwise log a
    # change per row; the purge logs one entry per batch naming the ids (below).
    session.execute(update(PlacementRequest).where(PlacementRequest.id.in_(ids))
                    .values(**_emptied(PlacementRequest), purged_at=now)
                    .execution_options(synchronize_session=False))
    reservation_ids = list(session.scalars(
        select(Reservation.id).where(Reservation.request_id.in_(ids))))
    if reservation_ids:
        session.execute(update(Reservation).where(Reservation.id.in_(reservation_ids))
                        .values(**_emptied(Reservation))
                        .execution_options(synchronize_session=False))
    changes = cast("CursorResult[Any]", session.execute(
        update(StatusChange).where(StatusChange.request_id.in_(ids))
        .values(**_emptied(StatusChange)).execution_options(synchronize_session=False)))
    notified = 0
    if reservation_ids:
        notified = cast("CursorResult[Any]", session.execute(
            delete(Notification).where(Notification.reservation_id.in_(reservation_ids))
            .execution_options(synchronize_session=False))).rowcount
    return len(reservation_ids), changes.rowcount, notified


def _purge_deliveries(session: Session, cutoff: datetime) -> int:
    finished = list(session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status.in_(FINISHED_DELIVERIES), WebhookDelivery.created_at < cutoff)))
    for start in range(0, len(finished), BATCH):
        chunk = finished[start:start + BATCH]
        # Attempts first: SQLite enforces the foreign key without the ON DELETE CASCADE.
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(chunk))
                        .execution_options(synchronize_session=False))
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(chunk))
                        .execution_options(synchronize_session=False))
    return len(finished)


def purge(session: Session, *, retention: timedelta, now: datetime | None = None) -> PurgeResult:
    """Purge in the caller's transaction what closed more than ``retention`` before ``now``."""
    now = now or utcnow()
    cutoff = now - retention
    totals = [0, 0, 0, 0]
    # The purge is the region's, across every organisation's reservations and notifications.
    with across_organisations(session):
        ids = due(session, cutoff)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            reservations, changes, notified = _purge_batch(session, chunk, now)
            totals[0] += len(chunk)
            totals[1] += reservations
            totals[2] += changes
            totals[3] += notified
            # Ids only: the log keeps what was purged and when, never what it held.
            audit.append(session, None, action="purge", entity="placement_request",
                         detail={"ids": [str(i) for i in chunk], "cutoff": cutoff.isoformat(),
                                 "reservations": reservations, "status_changes": changes,
                                 "notifications": notified})
        deliveries = _purge_deliveries(session, cutoff)
        if deliveries:
            audit.append(session, None, action="purge", entity="webhook_delivery",
                         detail={"deleted": deliveries, "cutoff": cutoff.isoformat()})
    session.expire_all()  # loaded objects must not show the values the statements removed
    return PurgeResult(cutoff, requests=totals[0], reservations=totals[1],
                       status_changes=totals[2], notifications=totals[3], deliveries=deliveries)


def run_round(db: Database, settings: Settings, *, now: datetime | None = None) -> PurgeResult:
    """One purge in its own transaction (what the server does every interval)."""
    with db.session() as session:
        bind_actor(session, system_actor(ACTOR_LABEL))
        result = purge(session, retention=timedelta(days=settings.retention_days), now=now)
    if result.requests or result.deliveries:
        log.info("retention: %s", result.summary())
    return result


async def run_forever(db: Database, settings: Settings) -> None:
    """Purge at once and then every interval, until cancelled; a failed round is logged."""
    while True:
        try:
            await asyncio.to_thread(run_round, db, settings)
        except Exception:
            log.exception("retention purge failed")
        await asyncio.sleep(settings.retention_purge_seconds)


def start_purge(db: Database, settings: Settings) -> Job:
    """Start the scheduled purge; off when the interval is 0 and in the test environment
    (tests purge by hand)."""
    if settings.retention_purge_seconds == 0 or settings.environment is Environment.TEST:
        return Job()
    make_visible(log)
    return Job.start("retention-purge", run_forever(db, settings))
