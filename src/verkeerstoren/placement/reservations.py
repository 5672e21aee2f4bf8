"""Reservations with a hold: reserve, accept (place), decline, cancel, expire.

Every step changes the bed state with one compare-and-set statement (capacity.holds) inside the
same transaction as the reservation row, so holds and bed counts never drift apart.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib import import_module

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity import holds
from verkeerstoren.errors import Conflict, NotFound
from verkeerstoren.placement import requests
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    Reservation,
    ReservationStatus,
)
from verkeerstoren.registry.models import BedType, CareUnit
from verkeerstoren.storage import events
from verkeerstoren.storage.base import utcnow

DEFAULT_HOLD_MINUTES = 30
EXPIRY_WARNING = timedelta(minutes=5)


class NoFreeBed(Conflict):
    """The unit has no free, freshly reported bed of this type (any more)."""


def _notify(session: Session, organisation_id: int, event: str, title: str, body: str,
            link: str, payload: dict[str, object]) -> None:
    # Looked up at run time: placement must work while the notifications capability is absent.
    try:
        notifications = import_module("verkeerstoren.notifications.service")
    except ModuleNotFoundError:
        return
    notifications.notify(session, organisation_id=organisation_id, event=event, title=title,
                         body=body, link=link, payload=payload)


def _incoming_link(reservation_id: int) -> str:
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
        notification.link == _incoming_link(reservation.id),
        notification.read_at.is_(None))))
    if ids:
        notifications.mark_read(session, reservation.organisation_id, ids)


def reserve(session: Session, actor: Actor, request_id: int, unit_id: int, bed_type_code: str,
            *, hold_minutes: int = DEFAULT_HOLD_MINUTES,
            now: datetime | None = None) -> Reservation:
    """Hold one bed for a request; raises NoFreeBed (409) when someone else was first."""
    now = now or utcnow()
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
        held_until=now + timedelta(minutes=hold_minutes), created_at=now,
        created_by=actor.label[:254],
    )
    session.add(reservation)
    session.flush()
    requests.record(session, request, actor, RequestStatus.RESERVED.value,
                    from_status=RequestStatus.OPEN.value, reservation_id=reservation.id,
                    note=f"{unit.name} / {bed_type.name}", at=now)
    _notify(session, unit.organisation_id, "reservation.new", "New reservation",
            "A bed of type {bed_type} in {unit} is held until {until}.",
            _incoming_link(reservation.id),
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


def close_hold(session: Session, actor: Actor, reservation: Reservation,
               status: ReservationStatus, reason: str | None, *, now: datetime) -> None:
    """End a hold without placing: the bed goes back and the request is open again."""
    holds.release_hold(session, reservation.unit_id, reservation.bed_type_code)
    reservation.status = status
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
        _notify(session, reservation.organisation_id, "reservation.cancelled",
                "Reservation for {unit} withdrawn",
                "The hold on a bed ({bed_type}) was withdrawn by the coordinator: {reason}",
                "/placement/incoming",
                {"unit": reservation.unit.name,
                 "bed_type": bed_type.name if bed_type else reservation.bed_type_code,
                 "reason": reason or "-"})
    events.emit(session, "placement", request_id=request.id)


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
    holds.fill_held_bed(session, reservation.unit_id, reservation.bed_type_code)
    reservation.status = ReservationStatus.ACCEPTED
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
    _notify(session, request.referrer_organisation_id, "request.placed", "Patient placed",
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
    close_hold(session, actor, reservation, ReservationStatus.DECLINED, reason, now=now)
    _mark_handled(session, reservation)
    _notify(session, reservation.request.referrer_organisation_id, "reservation.declined",
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
    close_hold(session, actor, reservation, ReservationStatus.CANCELLED, reason, now=now)
    return reservation


def expire_due(session: Session, actor: Actor, *, now: datetime | None = None) -> int:
    """Release every hold past its time and warn about holds that are about to expire."""
    now = now or utcnow()
    expired = list(session.scalars(
        select(Reservation).where(Reservation.status == ReservationStatus.HELD,
                                  Reservation.held_until <= now).order_by(Reservation.id)
        .with_for_update(skip_locked=True)
    ))
    for reservation in expired:
        close_hold(session, actor, reservation, ReservationStatus.EXPIRED, "hold expired",
                   now=now)
        _notify(session, reservation.organisation_id, "reservation.expired", "Hold expired",
                "The hold on {unit} expired; the bed is free again.",
                "/placement/incoming", {"unit": reservation.unit.name})
    expiring = session.scalars(
        select(Reservation).where(Reservation.status == ReservationStatus.HELD,
                                  Reservation.held_until <= now + EXPIRY_WARNING,
                                  Reservation.expiry_warned.is_(False))
    )
    for reservation in expiring:
        reservation.expiry_warned = True
        _notify(session, reservation.organisation_id, "reservation.expiring",
                "Hold about to expire", "Answer the reservation for {unit} before {until}.",
                _incoming_link(reservation.id),
                {"unit": reservation.unit.name, "until": reservation.held_until.isoformat()})
    return len(expired)


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
