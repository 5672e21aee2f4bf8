"""Placement requests, reservations (holds) and their status history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from verkeerstoren.access.scoping import OrgOwned
from verkeerstoren.registry.models import CareUnit
from verkeerstoren.storage.base import PERSONAL, Base, UTCDateTime, str_enum, utcnow


def _enum(kind: type[StrEnum], name: str) -> Enum:
    return str_enum(kind, name, 20)


class Financing(StrEnum):
    ZVW = "zvw"
    WLZ = "wlz"
    WMO = "wmo"
    SELF_PAY = "self_pay"


class Urgency(StrEnum):
    IMMEDIATE = "immediate"  # today, within hours
    TODAY = "today"
    WITHIN_48H = "within_48h"
    PLANNED = "planned"


class RequestStatus(StrEnum):
    OPEN = "open"
    RESERVED = "reserved"
    PLACED = "placed"
    UNPLACED = "unplaced"
    CANCELLED = "cancelled"


LIVE_STATUSES = (RequestStatus.OPEN, RequestStatus.RESERVED)


class UnplacedReason(StrEnum):
    NO_BED_OF_TYPE = "no_bed_of_type"
    NO_BED_WITH_FEATURE = "no_bed_with_feature"
    NO_BED_IN_AREA = "no_bed_in_area"
    FINANCING = "financing"
    REFUSED_BY_PROVIDERS = "refused_by_providers"
    PATIENT_DECLINED = "patient_declined"
    OTHER = "other"


class ReservationStatus(StrEnum):
    HELD = "held"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class PlacementRequest(Base):
    """A request to place one patient; pseudonymised: no name, no BSN, no full postcode."""

    __tablename__ = "placement_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Columns marked PERSONAL hold data about the patient (or free text that may): the audit
    # log records that they changed, never their values, and the retention purge
    # (verkeerstoren.retention) empties them once the request has been closed long enough.
    # They are NULL only on a purged request (purged_at set), except year of birth, sex and
    # the referrer's name, which may follow while a bed is held (issue 14).
    pseudonym: Mapped[str | None] = mapped_column(String(64), info=PERSONAL)
    birth_year: Mapped[int | None] = mapped_column(Integer, info=PERSONAL)
    sex: Mapped[str | None] = mapped_column(String(1), info=PERSONAL)
    postcode_area: Mapped[int | None] = mapped_column(Integer, info=PERSONAL)
    care_needs: Mapped[str | None] = mapped_column(String(1000), info=PERSONAL)
    referrer_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    referrer_name: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    bed_types: Mapped[list[str]] = mapped_column(JSON)
    features: Mapped[list[str]] = mapped_column(JSON)
    preferred_gemeenten: Mapped[list[str]] = mapped_column(JSON)
    wanted_start: Mapped[date] = mapped_column(Date)
    financing: Mapped[Financing] = mapped_column(_enum(Financing, "financing"))
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency, "urgency"))
    medically_discharged_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[RequestStatus] = mapped_column(
        _enum(RequestStatus, "request_status"), default=RequestStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    placed_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    placed_bed_type: Mapped[str | None] = mapped_column(String(30))
    admission_date: Mapped[date | None] = mapped_column(Date)
    unplaced_reason: Mapped[UnplacedReason | None] = mapped_column(
        _enum(UnplacedReason, "unplaced_reason")
    )
    close_note: Mapped[str | None] = mapped_column(String(1000), info=PERSONAL)
    # What the region had free for the requested bed types when the request closed unplaced.
    unplaced_snapshot: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    gemeente_code: Mapped[str | None] = mapped_column(ForeignKey("gemeente.code"))
    is_demo: Mapped[bool] = mapped_column(default=False)
    # When the retention purge emptied the personal columns (None: not purged).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    placed_unit: Mapped[CareUnit | None] = relationship()
    reservations: Mapped[list[Reservation]] = relationship(
        back_populates="request", order_by="Reservation.id"
    )

    __table_args__ = (
        CheckConstraint("birth_year BETWEEN 1900 AND 2100", name="birth_year"),
        CheckConstraint("sex IN ('f', 'm', 'x')", name="sex"),
        CheckConstraint("postcode_area BETWEEN 1000 AND 9999", name="postcode_area"),
        # One live request per patient episode, enforced by the database itself.
        Index(
            "uq_placement_request_live_pseudonym",
            "pseudonym",
            unique=True,
            sqlite_where=text("status IN ('open', 'reserved')"),
            postgresql_where=text("status IN ('open', 'reserved')"),
        ),
        Index("ix_placement_request_status", "status"),
    )


class Reservation(OrgOwned, Base):
    """A hold on one bed of a unit for a request, until the provider accepts or it expires."""

    __tablename__ = "reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("placement_request.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    bed_type_code: Mapped[str] = mapped_column(ForeignKey("bed_type.code"))
    status: Mapped[ReservationStatus] = mapped_column(
        _enum(ReservationStatus, "reservation_status"), default=ReservationStatus.HELD
    )
    held_until: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(254))
    reason: Mapped[str | None] = mapped_column(String(1000), info=PERSONAL)
    expiry_warned: Mapped[bool] = mapped_column(default=False)

    request: Mapped[PlacementRequest] = relationship(back_populates="reservations")
    unit: Mapped[CareUnit] = relationship()

    __table_args__ = (
        # A request holds at most one bed at a time.
        Index(
            "uq_reservation_one_hold_per_request",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'held'"),
            postgresql_where=text("status = 'held'"),
        ),
        Index("ix_reservation_status_until", "status", "held_until"),
    )


class StatusChange(Base):
    """Every status change of a request or reservation, with time, actor and reason."""

    __tablename__ = "placement_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("placement_request.id"), index=True)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservation.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_label: Mapped[str] = mapped_column(String(254))
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
