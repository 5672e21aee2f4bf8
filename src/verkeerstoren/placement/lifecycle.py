"""The life cycle of a placement request and its holds: reserve, accept (place), decline,
cancel a hold, cancel the request, close it unplaced (expiry: ``expiry``).

Every step changes the bed state with one compare-and-set statement (capacity.holds) inside the
same transaction as the reservation row, so holds and bed counts never drift apart. Every step
that ends a hold first claims the reservation with a compare-and-set on its status: when the
provider's accept, the coordinator's cancel and the expiry job (in any app process) meet, one of
them ends the hold and the others find it ended. Who wants to hear of a hold (notifications)
subscribes to ``placement.events``; this module does not know them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from verkeerstoren.access.actor import Actor
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity import holds
from verkeerstoren.errors import Conflict, NotFound, ValidationProblem
from verkeerstoren.placement import holding, requests, visibility
from verkeerstoren.placement.events import HoldChange, publish
from verkeerstoren.placement.models import (
    LIVE_STATUSES,
    PlacementRequest,
    RequestStatus,
    Reservation,
    ReservationStatus,
    UnplacedReason,
)
from verkeerstoren.settings import Settings
from verkeerstoren.storage.base import utcnow

DEFAULT_HOLD_MINUTES = 30


@dataclass(frozen=True, slots=True)
class HoldPolicy:
    """How long a hold lasts unless the coordinator chooses, and the choice's bounds."""

    default_minutes: int = DEFAULT_HOLD_MINUTES
    min_minutes: int = 5
    max_minutes: int = 240

    @classmethod
    def from_settings(cls, settings: Settings) -> HoldPolicy:
        return cls(settings.hold_minutes, settings.hold_minutes_min, settings.hold_minutes_max)

    def minutes(self, chosen: int | None) -> int:
        """The hold time to use; a choice outside the bounds is refused (422, field named)."""
        if chosen is None:
            return self.default_minutes
        if not self.min_minutes <= chosen <= self.max_minutes:
            raise ValidationProblem(
                "hold_minutes", "the hold time must be between {min} and {max} minutes",
                params={"min": self.min_minutes, "max": self.max_minutes})
        return chosen


DEFAULT_POLICY = HoldPolicy()


def reserve(session: Session, actor: Actor, request_id: int, unit_id: int, bed_type_code: str,
            *, hold_minutes: int | None = None, policy: HoldPolicy = DEFAULT_POLICY,
            now: datetime | None = None) -> Reservation:
    """Hold one bed for a request for ``hold_minutes`` (the policy's default when None, else
    within its bounds); raises NoFreeBed (409) when someone else was first.

    The claim, the hold, the reservation and its status change are one statement on
    PostgreSQL (``holding``); the notification, the audit entries and the live event follow in
    the same transaction.
    """
    now = now or utcnow()
    minutes = policy.minutes(hold_minutes)
    held = holding.claim_and_hold(session, actor, request_id, unit_id, bed_type_code, now=now,
                                  minutes=minutes)
    publish(session, HoldChange.MADE, held.reservation)
    visibility.announce(session, held.request)
    return held.reservation


def _load(session: Session, reservation_id: int) -> Reservation:
    # In a provider's edit session the scope filter hides other organisations' reservations.
    reservation = session.scalar(select(Reservation).where(Reservation.id == reservation_id))
    if reservation is None:
        raise NotFound("reservation", reservation_id)
    return reservation


def claim(session: Session, actor: Actor, reservation: Reservation,
          to_status: ReservationStatus) -> bool:
    """End a hold only if it is still held (compare-and-set); False when someone else ended it.

    The UPDATE waits for a concurrent transaction that ends the same hold (an accept here, the
    expiry job of another app process there), then re-evaluates its WHERE and matches nothing.
    """
    table = Reservation.__table__
    result = session.connection().execute(
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == reservation.id, table.c.status == ReservationStatus.HELD.value)
        .values(status=to_status.value)
    )
    if result.rowcount != 1:
        session.refresh(reservation)
        return False
    # As in requests.claim: the object follows the row and the change is logged explicitly.
    set_committed_value(reservation, "status", to_status)
    audit.append(session, actor, action="update", entity="reservation",
                 entity_id=reservation.id,
                 detail={"changes": {"status": [ReservationStatus.HELD.value, to_status.value]}})
    return True


def _not_held(reservation: Reservation) -> Conflict:
    return Conflict(f"the reservation is {reservation.status.value}, not held")


# How a hold that ends without a placement is told to the subscribers.
_ENDED = {ReservationStatus.DECLINED: HoldChange.DECLINED,
          ReservationStatus.CANCELLED: HoldChange.CANCELLED,
          ReservationStatus.EXPIRED: HoldChange.EXPIRED}


def close_hold(session: Session, actor: Actor, reservation: Reservation,
               status: ReservationStatus, reason: str | None, *, now: datetime) -> bool:
    """End a hold without placing: the bed goes back and the request is open again.

    False (and nothing changed) when the hold had already ended, e.g. expired a moment ago.
    """
    if not claim(session, actor, reservation, status):
        return False
    holds.release_hold(session, reservation.unit_id, reservation.bed_type_code)
    reservation.decided_at = now
    reservation.decided_by = actor.label[:254]
    reservation.reason = reason
    request = reservation.request
    if request.status is RequestStatus.RESERVED:
        request.status = RequestStatus.OPEN
    requests.record(session, request, actor, f"reservation {status.value}",
                    from_status=RequestStatus.RESERVED.value, reservation_id=reservation.id,
                    note=reason, at=now)
    publish(session, _ENDED[status], reservation, reason)
    visibility.announce(session, request)
    return True


def accept(session: Session, actor: Actor, reservation_id: int, *,
           admission_date: date | None = None, now: datetime | None = None) -> Reservation:
    """The provider accepts: the held bed becomes occupied and the patient is placed."""
    now = now or utcnow()
    reservation = _load(session, reservation_id)
    if reservation.status is not ReservationStatus.HELD:
        raise _not_held(reservation)
    if reservation.held_until <= now:
        # Nothing changes here; the expiry job releases the bed.
        raise Conflict("the hold has expired; ask the coordinator for a new reservation")
    if not claim(session, actor, reservation, ReservationStatus.ACCEPTED):
        raise _not_held(reservation)
    holds.fill_held_bed(session, reservation.unit_id, reservation.bed_type_code)
    reservation.decided_at = now
    reservation.decided_by = actor.label[:254]
    request = reservation.request
    request.status = RequestStatus.PLACED
    request.placed_unit_id = reservation.unit_id
    request.placed_bed_type = reservation.bed_type_code
    request.admission_date = admission_date or max(now.date(), request.wanted_start)
    request.closed_at = now
    requests.record(session, request, actor, RequestStatus.PLACED.value,
                    from_status=RequestStatus.RESERVED.value, reservation_id=reservation.id,
                    at=now)
    publish(session, HoldChange.ACCEPTED, reservation)
    visibility.announce(session, request)
    return reservation


def _end_held(session: Session, actor: Actor, reservation_id: int,
              status: ReservationStatus, reason: str, now: datetime | None) -> Reservation:
    reservation = _load(session, reservation_id)
    if reservation.status is not ReservationStatus.HELD or not close_hold(
            session, actor, reservation, status, reason, now=now or utcnow()):
        raise _not_held(reservation)
    return reservation


def decline(session: Session, actor: Actor, reservation_id: int, reason: str, *,
            now: datetime | None = None) -> Reservation:
    """The provider declines with a reason; the bed goes back and the request reopens."""
    return _end_held(session, actor, reservation_id, ReservationStatus.DECLINED, reason, now)


def cancel(session: Session, actor: Actor, reservation_id: int, reason: str, *,
           now: datetime | None = None) -> Reservation:
    """The coordinator withdraws a hold (e.g. the family chose another place)."""
    return _end_held(session, actor, reservation_id, ReservationStatus.CANCELLED, reason, now)


def _close_request(session: Session, actor: Actor, request_id: int, to_status: RequestStatus,
                   *, purpose: str, hold_reason: str, note: str | None,
                   now: datetime) -> PlacementRequest:
    """Close a live request at any step; a held bed is released first (withdrawn)."""
    request = requests.get_request(session, actor, request_id, purpose=purpose)
    if request.status not in LIVE_STATUSES:
        raise Conflict("the request is already closed")
    for reservation in request.reservations:
        if reservation.status is ReservationStatus.HELD:
            close_hold(session, actor, reservation, ReservationStatus.CANCELLED, hold_reason,
                       now=now)
    previous = request.status
    request.status = to_status
    request.closed_at = now
    requests.record(session, request, actor, to_status.value, from_status=previous.value,
                    note=note, at=now)
    visibility.announce(session, request)
    return request


def cancel_request(session: Session, actor: Actor, request_id: int, reason: str, *,
                   now: datetime | None = None) -> PlacementRequest:
    """Cancel a live request at any step (a held bed is released)."""
    request = _close_request(session, actor, request_id, RequestStatus.CANCELLED,
                             purpose="cancel", hold_reason=reason, note=reason,
                             now=now or utcnow())
    request.close_note = reason
    return request


def close_unplaced(session: Session, actor: Actor, request_id: int, reason: UnplacedReason,
                   note: str | None, *, now: datetime | None = None) -> PlacementRequest:
    """Close a request that could not be placed, with its reason and an availability snapshot."""
    now = now or utcnow()
    request = _close_request(session, actor, request_id, RequestStatus.UNPLACED,
                             purpose="close unplaced", hold_reason="closed as unplaced",
                             note=f"{reason.value}: {note or ''}".strip(": "), now=now)
    request.unplaced_reason = reason
    request.close_note = note
    request.unplaced_snapshot = requests.snapshot(session, request.bed_types, now)
    return request


def incoming(session: Session, *, organisation_id: int | None,
             include_closed: bool = False) -> list[Reservation]:
    """Reservations for a provider's units (all providers' for an unscoped actor)."""
    stmt = select(Reservation).order_by(Reservation.created_at.desc()).limit(200)
    if organisation_id is not None:
        stmt = stmt.where(Reservation.organisation_id == organisation_id)
    if not include_closed:
        stmt = stmt.where(Reservation.status == ReservationStatus.HELD)
    return list(session.scalars(stmt))
