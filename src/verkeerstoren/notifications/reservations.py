"""What notifications say about holds: placement publishes the change (``placement.events``),
this listener tells the provider and the requesting organisation, in the same transaction.

Subscribed once per database handle by ``runtime.install_hooks``. Every notification keeps a
reference to its reservation, so that the provider's open questions about a reservation are
marked read when it answers (not matched by their text or link).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from verkeerstoren.notifications.models import Notification
from verkeerstoren.notifications.service import mark_read, notify
from verkeerstoren.placement import events
from verkeerstoren.placement.events import HoldChange, HoldEvent
from verkeerstoren.placement.models import Reservation
from verkeerstoren.registry.models import BedType


def incoming_link(reservation_id: int) -> str:
    """Where a provider's notifications about one reservation point (new, expiring)."""
    return f"/placement/incoming#reservation-{reservation_id}"


def _request_link(reservation: Reservation) -> str:
    return f"/placement/requests/{reservation.request_id}"


def _mark_handled(session: Session, reservation: Reservation) -> None:
    """Once the provider has answered, its notifications about this reservation are read:
    they asked for an answer that has been given. Other notifications stay unread."""
    ids = list(session.scalars(select(Notification.id).where(
        Notification.organisation_id == reservation.organisation_id,
        Notification.reservation_id == reservation.id,
        Notification.read_at.is_(None))))
    if ids:
        mark_read(session, reservation.organisation_id, ids)


def _tell(session: Session, reservation: Reservation, organisation_id: int, event: str,
          title: str, body: str, link: str, payload: dict[str, object]) -> None:
    notify(session, organisation_id=organisation_id, event=event, title=title, body=body,
           link=link, payload=payload, reservation_id=reservation.id)


def on_hold(session: Session, event: HoldEvent) -> None:
    """The listener: one or two notifications per change of a hold."""
    reservation = event.reservation
    provider = reservation.organisation_id
    requester = reservation.request.referrer_organisation_id
    unit = reservation.unit.name
    bed_type = session.get(BedType, reservation.bed_type_code)
    bed_type_name = bed_type.name if bed_type else reservation.bed_type_code
    until = reservation.held_until.isoformat()
    change = event.change
    if change in (HoldChange.ACCEPTED, HoldChange.DECLINED, HoldChange.CANCELLED):
        _mark_handled(session, reservation)
    if change is HoldChange.MADE:
        _tell(session, reservation, provider, "reservation.new", "New reservation",
              "A bed of type {bed_type} in {unit} is held until {until}.",
              incoming_link(reservation.id),
              {"reservation_id": reservation.id, "unit": unit, "bed_type": bed_type_name,
               "until": until})
    elif change is HoldChange.ACCEPTED:
        _tell(session, reservation, requester, "request.placed", "Patient placed",
              "Request {request} is placed in {unit}.", _request_link(reservation),
              {"request": reservation.request_id, "unit": unit})
    elif change is HoldChange.DECLINED:
        _tell(session, reservation, requester, "reservation.declined", "Reservation declined",
              "{unit} declined: {reason}", _request_link(reservation),
              {"unit": unit, "reason": event.reason})
    elif change is HoldChange.CANCELLED:
        # The provider may already be getting the bed ready: tell it the patient is not
        # coming (withdrawn by the coordinator, or the request was closed or cancelled).
        _tell(session, reservation, provider, "reservation.cancelled",
              "Reservation for {unit} withdrawn",
              "The hold on a bed ({bed_type}) was withdrawn by the coordinator: {reason}",
              "/placement/incoming",
              {"unit": unit, "bed_type": bed_type_name, "reason": event.reason or "-"})
    else:
        _expiry(session, reservation, change, provider, requester,
                {"unit": unit, "request": reservation.request_id, "bed_type": bed_type_name,
                 "until": until})


def _expiry(session: Session, reservation: Reservation, change: HoldChange, provider: int,
            requester: int, texts: dict[str, object]) -> None:
    if change is HoldChange.EXPIRING:
        _tell(session, reservation, provider, "reservation.expiring", "Hold about to expire",
              "Answer the reservation for {unit} before {until}.",
              incoming_link(reservation.id), texts)
        _tell(session, reservation, requester, "reservation.expiring",
              "Hold on {unit} expires soon",
              "The provider has not answered yet: the hold on a bed ({bed_type}) for request "
              "{request} ends at {until}.", _request_link(reservation), texts)
    elif change is HoldChange.EXPIRED:
        _tell(session, reservation, provider, "reservation.expired", "Hold expired",
              "The hold on {unit} expired; the bed is free again.", "/placement/incoming",
              texts)
        _tell(session, reservation, requester, "reservation.expired", "Hold on {unit} expired",
              "The provider did not answer in time: request {request} is open again; choose "
              "another bed.", _request_link(reservation), texts)


def subscribe(factory: sessionmaker[Session]) -> None:
    """Have this database's sessions notify about holds."""
    events.subscribe(factory, on_hold)
