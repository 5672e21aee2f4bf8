"""Reservations with a hold: reserve, accept (place), decline, cancel (expiry: ``expiry``).

Every step changes the bed state with one compare-and-set statement (capacity.holds) inside the
same transaction as the reservation row, so holds and bed counts never drift apart. Every step
that ends a hold first claims the reservation with a compare-and-set on its status: when the
provider's accept, the coordinator's cancel and the expiry job (in any app process) meet, one of
them ends the hold and the others find it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import import_module

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from verkeerstoren.access.actor import Actor
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity import holds
from verkeerstoren.errors import Conflict, NotFound, ValidationProblem
from verkeerstoren.placement import requests
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    Reservation,
    ReservationStatus,
)
from verkeerstoren.registry.models import BedType, CareUnit
from verkeerstoren.settings import Settings
from verkeerstoren.storage import events
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


class NoFreeBed(Conflict):
    """The unit has no free, freshly reported bed of this type (any more)."""


def notify(session: Session, organisation_id: int, event: str, title: str, body: str,
            link: str, payload: dict[str, object]) -> None:
    # Looked up at run time: placement must work while the notifications capability is absent.
    try:
        notifications = import_module("verkeerstoren.notifications.service")
    except ModuleNotFoundError:
        return
    notifications.notify(session, organisation_id=organisation_id, event=event, title=title,
                         body=body, link=link, payload=payload)


def incoming_link(reservation_id: int) -> str:
    """Where a provider's notifications about one reservation point (new, expiring)."""
    return f"/placement/incoming#reservation-{reservation_id}"


def _mark_handled(session: Session, reservation: Reservation) -> None:
    """Once the provider has answered, its notifications about this reservation are read:
    they asked for an answer that has been given. Matched by their link, which only this
    module writes; other notifications of the organisation stay unread."""
    try:
        notifications = import_module("verkeerstoren.notifications.service")
        models = import_module("verkeerstoren.notifications.models")
    except ModuleNotFoundError:
        return
    notification = models.Notification
    ids = list(session.scalars(select(notification.id).where(
        notification.organisation_id == reservation.organisation_id,
        notification.link == incoming_link(reservation.id),
        notification.read_at.is_(None))))
    if ids:
        notifications.mark_read(session, reservation.organisation_id, ids)


def reserve(session: Session, actor: Actor, request_id: int, unit_id: int, bed_type_code: str,
            *, hold_minutes: int | None = None, policy: HoldPolicy = DEFAULT_POLICY,
            now: datetime | None = None) -> Reservation:
    """Hold one bed for a request for ``hold_minutes`` (the policy's default when None, else
    within its bounds); raises NoFreeBed (409) when someone else was first."""
    now = now or utcnow()
    minutes = policy.minutes(hold_minutes)
    request = requests.get_request(session, actor, request_id, purpose="reserve")
    if request.status is not RequestStatus.OPEN:
        raise Conflict("the request already holds a bed or is closed")
    if bed_type_code not in request.bed_types:
        raise Conflict("this bed type was not requested")
    unit = session.get(CareUnit, unit_id)
    bed_type = session.get(BedType, bed_type_code)
    if unit is None or bed_type is None:
        raise NotFound("care_unit", unit_id)
    if not requests.claim(session, actor, request, RequestStatus.OPEN, RequestStatus.RESERVED):
        raise Conflict("the request already holds a bed or is closed")
    fresh_after = now - timedelta(hours=bed_type.max_report_age_hours)
    if not holds.hold_bed(session, unit_id, bed_type_code, fresh_after):
        # Undo the claim, so that a caller who goes on in this transaction finds it unchanged.
        requests.claim(session, actor, request, RequestStatus.RESERVED, RequestStatus.OPEN)
        raise NoFreeBed("no free bed of this type in this unit (any more), or its report is "
                        "out of date")
    reservation = Reservation(
        request_id=request.id, organisation_id=unit.organisation_id, unit_id=unit_id,
        bed_type_code=bed_type_code, status=ReservationStatus.HELD,
        held_until=now + timedelta(minutes=minutes), created_at=now,
        created_by=actor.label[:254],
    )
    session.add(reservation)
    session.flush()
    requests.record(session, request, actor, RequestStatus.RESERVED.value,
                    from_status=RequestStatus.OPEN.value, reservation_id=reservation.id,
                    note=f"{unit.name} / {bed_type.name}", at=now)
    notify(session, unit.organisation_id, "reservation.new", "New reservation",
            "A bed of type {bed_type} in {unit} is held until {until}.",
            incoming_link(reservation.id),
            {"reservation_id": reservation.id, "unit": unit.name, "bed_type": bed_type.name,
             "until": reservation.held_until.isoformat()})
    events.emit(session, "placement", request_id=request.id)
    return reservation


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


def _claim_or_conflict(session: Session, actor: Actor, reservation: Reservation,
                       to_status: ReservationStatus) -> None:
    if not claim(session, actor, reservation, to_status):
        raise Conflict(f"the reservation is {reservation.status.value}, not held")


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
    if status is ReservationStatus.CANCELLED:
        # The provider may already be getting the bed ready: tell it the patient is not
        # coming (withdrawn by the coordinator, or the request was closed or cancelled).
        _mark_handled(session, reservation)
        bed_type = session.get(BedType, reservation.bed_type_code)
        notify(session, reservation.organisation_id, "reservation.cancelled",
                "Reservation for {unit} withdrawn",
                "The hold on a bed ({bed_type}) was withdrawn by the coordinator: {reason}",
                "/placement/incoming",
                {"unit": reservation.unit.name,
                 "bed_type": bed_type.name if bed_type else reservation.bed_type_code,
                 "reason": reason or "-"})
    events.emit(session, "placement", request_id=request.id)
    return True


def accept(session: Session, actor: Actor, reservation_id: int, *,
           admission_date: date | None = None, now: datetime | None = None) -> Reservation:
    """The provider accepts: the held bed becomes occupied and the patient is placed."""
    now = now or utcnow()
    reservation = _load(session, reservation_id)
    if reservation.status is not ReservationStatus.HELD:
        raise Conflict(f"the reservation is {reservation.status.value}, not held")
    if reservation.held_until <= now:
        # Nothing changes here; the expiry job releases the bed.
        raise Conflict("the hold has expired; ask the coordinator for a new reservation")
    _claim_or_conflict(session, actor, reservation, ReservationStatus.ACCEPTED)
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
    _mark_handled(session, reservation)
    notify(session, request.referrer_organisation_id, "request.placed", "Patient placed",
            "Request {request} is placed in {unit}.", f"/placement/requests/{request.id}",
            {"request": request.id, "unit": reservation.unit.name})
    events.emit(session, "placement", request_id=request.id)
    return reservation


def decline(session: Session, actor: Actor, reservation_id: int, reason: str, *,
            now: datetime | None = None) -> Reservation:
    """The provider declines with a reason; the bed goes back and the request reopens."""
    now = now or utcnow()
    reservation = _load(session, reservation_id)
    if reservation.status is not ReservationStatus.HELD:
        raise Conflict(f"the reservation is {reservation.status.value}, not held")
    if not close_hold(session, actor, reservation, ReservationStatus.DECLINED, reason, now=now):
        raise Conflict(f"the reservation is {reservation.status.value}, not held")
    _mark_handled(session, reservation)
    notify(session, reservation.request.referrer_organisation_id, "reservation.declined",
            "Reservation declined", "{unit} declined: {reason}",
            f"/placement/requests/{reservation.request_id}",
            {"unit": reservation.unit.name, "reason": reason})
    return reservation


def cancel(session: Session, actor: Actor, reservation_id: int, reason: str, *,
           now: datetime | None = None) -> Reservation:
    """The coordinator withdraws a hold (e.g. the family chose another place)."""
    now = now or utcnow()
    reservation = _load(session, reservation_id)
    if reservation.status is not ReservationStatus.HELD:
        raise Conflict(f"the reservation is {reservation.status.value}, not held")
    if not close_hold(session, actor, reservation, ReservationStatus.CANCELLED, reason, now=now):
        raise Conflict(f"the reservation is {reservation.status.value}, not held")
    return reservation


def incoming(session: Session, *, organisation_id: int | None,
             include_closed: bool = False) -> list[Reservation]:
    """Reservations for a provider's units (all providers' for an unscoped actor)."""
    stmt = select(Reservation).order_by(Reservation.created_at.desc()).limit(200)
    if organisation_id is not None:
        stmt = stmt.where(Reservation.organisation_id == organisation_id)
    if not include_closed:
        stmt = stmt.where(Reservation.status == ReservationStatus.HELD)
    return list(session.scalars(stmt))


def request_of(reservation: Reservation) -> PlacementRequest:
    return reservation.request
