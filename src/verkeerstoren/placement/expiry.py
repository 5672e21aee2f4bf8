"""Holds that nobody answers: a warning some minutes before the end, then the bed goes back.

The server runs :func:`run_forever` in its lifespan (``hold_expiry_check_seconds``); several app
processes on one PostgreSQL may all run it. Each hold is released in a transaction of its own that
first claims the reservation with a compare-and-set on its status (``reservations.claim``): of two
processes (or an expiry and the provider's late accept) exactly one ends the hold, and only that
one writes the status history and tells the subscribers (``placement.events``: notifications
tell the provider and the requester). The warning is claimed the same way through
``expiry_warned``, so it goes out once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from verkeerstoren.access.actor import Actor, system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.audit import service as audit
from verkeerstoren.placement.events import HoldChange, publish
from verkeerstoren.placement.lifecycle import close_hold
from verkeerstoren.placement.models import Reservation, ReservationStatus
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

log = logging.getLogger(__name__)

DEFAULT_WARNING = timedelta(minutes=5)
ACTOR_LABEL = "hold expiry"


@dataclass(frozen=True, slots=True)
class ExpiryRound:
    """What one round did."""

    warned: int
    expired: int


def _claim_warning(session: Session, actor: Actor, reservation: Reservation) -> bool:
    """Mark the warning as sent only if nobody did (compare-and-set): sent once, in any process."""
    table = Reservation.__table__
    result = session.connection().execute(
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == reservation.id, table.c.status == ReservationStatus.HELD.value,
               table.c.expiry_warned.is_(False))
        .values(expiry_warned=True)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(reservation, "expiry_warned", True)
    audit.append(session, actor, action="update", entity="reservation", entity_id=reservation.id,
                 detail={"changes": {"expiry_warned": [False, True]}})
    return True


def warn_due(session: Session, actor: Actor, *, now: datetime,
             warn_before: timedelta = DEFAULT_WARNING) -> int:
    """Tell the subscribers (once) of every hold that ends within ``warn_before``."""
    due = session.scalars(
        select(Reservation).where(Reservation.status == ReservationStatus.HELD,
                                  Reservation.held_until > now,
                                  Reservation.held_until <= now + warn_before,
                                  Reservation.expiry_warned.is_(False))
        .order_by(Reservation.id)  # claims in one order: two processes never deadlock
    ).all()
    warned = 0
    for reservation in due:
        if _claim_warning(session, actor, reservation):
            publish(session, HoldChange.EXPIRING, reservation)
            warned += 1
    return warned


def expire_one(session: Session, actor: Actor, reservation: Reservation, *,
               now: datetime) -> bool:
    """Release one hold past its time; False when it was answered or released meanwhile."""
    if reservation.held_until > now:
        return False
    # close_hold tells the subscribers (HoldChange.EXPIRED) when it ended the hold.
    return close_hold(session, actor, reservation, ReservationStatus.EXPIRED, "hold expired",
                      now=now)


def _due(session: Session, now: datetime) -> list[int]:
    return list(session.scalars(
        select(Reservation.id).where(Reservation.status == ReservationStatus.HELD,
                                     Reservation.held_until <= now).order_by(Reservation.id)))


def expire_due(session: Session, actor: Actor, *, now: datetime | None = None,
               warn_before: timedelta = DEFAULT_WARNING) -> int:
    """In one transaction: release every hold past its time and warn about those about to end;
    returns how many were released.

    For callers that own the transaction: the tests, which roll it back. The server runs
    :func:`run_round`, one short transaction per hold, so one failing hold keeps no other."""
    now = now or utcnow()
    expired = 0
    for reservation_id in _due(session, now):
        reservation = session.get(Reservation, reservation_id)
        if reservation is not None and expire_one(session, actor, reservation, now=now):
            expired += 1
    warn_due(session, actor, now=now, warn_before=warn_before)
    return expired


def run_round(db: Database, *, now: datetime | None = None,
              warn_before: timedelta = DEFAULT_WARNING) -> ExpiryRound:
    """One round of the server's job: each release in its own short transaction (a hold that
    fails is logged and does not keep the others), then the warnings in one."""
    now = now or utcnow()
    actor = system_actor(ACTOR_LABEL)
    with db.session() as session:
        due = _due(session, now)
    expired = 0
    for reservation_id in due:
        try:
            with db.session() as session:
                bind_actor(session, actor)
                reservation = session.get(Reservation, reservation_id)
                if reservation is not None and expire_one(session, actor, reservation, now=now):
                    expired += 1
        except Exception:
            log.exception("releasing expired hold %s failed", reservation_id)
    with db.session() as session:
        bind_actor(session, actor)
        warned = warn_due(session, actor, now=now, warn_before=warn_before)
    if expired or warned:
        log.info("holds: %s released after expiry, %s warned", expired, warned)
    return ExpiryRound(warned=warned, expired=expired)


async def run_forever(db: Database, *, every_seconds: float,
                      warn_before: timedelta = DEFAULT_WARNING) -> None:
    """Run rounds until cancelled; a failing round is logged and the next one tried."""
    while True:
        try:
            # The database is blocking I/O; keep it off the event loop.
            await asyncio.to_thread(run_round, db, warn_before=warn_before)
        except Exception:
            log.exception("hold expiry round failed")
        await asyncio.sleep(every_seconds)
