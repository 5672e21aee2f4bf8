"""Availability reports (history) and the current bed state per unit and bed type."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from verkeerstoren.access.scoping import OrgOwned
from verkeerstoren.registry.models import BedType, CareUnit, NursingTeam
from verkeerstoren.storage.base import Base, UTCDateTime, str_enum, utcnow


class ReportSource(StrEnum):
    WEB = "web"
    API = "api"
    CSV = "csv"
    XLSX = "xlsx"
    PULL = "pull"
    FHIR = "fhir"


COUNTS_VALID = (
    "physical >= 0 AND staffed >= 0 AND occupied >= 0 AND blocked >= 0 "
    "AND staffed <= physical AND occupied + blocked <= staffed"
)


class AvailabilityReport(OrgOwned, Base):
    """One report of a unit's beds of one type; kept for ever as history, never changed."""

    __tablename__ = "availability_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    bed_type_code: Mapped[str] = mapped_column(ForeignKey("bed_type.code"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    physical: Mapped[int] = mapped_column(Integer)
    staffed: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    blocked_reason: Mapped[str | None] = mapped_column(String(200))
    expected_free_date: Mapped[date | None] = mapped_column(Date)
    remark: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[ReportSource] = mapped_column(
        str_enum(ReportSource, "report_source", 10)
    )
    reported_by: Mapped[str] = mapped_column(String(254))

    __table_args__ = (
        CheckConstraint(COUNTS_VALID, name="counts_valid"),
        # The figures ride along in the index: a region's history chart (capacity/history.py)
        # reads tens of thousands of reports, and from the index alone that is ~5x faster.
        Index("ix_availability_report_unit_type_time", "unit_id", "bed_type_code", "reported_at",
              "staffed", "occupied", "blocked"),
        Index("ix_availability_report_reported_at", "reported_at"),
    )


class AvailabilityDay(Base):
    """Per unit, bed type and UTC day on which it reported: that day's last report.

    A rollup the DATABASE keeps (triggers on INSERT into availability_report, migration
    0009_availability_day), so no write path (ORM, executemany, COPY, a manual INSERT) can miss
    it. The region history chart reads one row per unit and day from here instead of every
    report: with reports pulled every few minutes that is ~288 times fewer rows.

    "Last" is decided by (reported_at, report_id), the order in which capacity/history.py
    breaks ties. No foreign keys: every row is a copy the trigger made of a report that passed
    those checks already, and reports are never updated or deleted; a foreign-key check per
    upserted row would only slow the 10,000-row imports down.
    """

    __tablename__ = "availability_day"

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bed_type_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    staffed: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    report_id: Mapped[int] = mapped_column(Integer)

    # SQLite: the rows stored in primary-key order (no rowid table beside the key's index), so
    # a unit's days are read from one B-tree, as the report index serves the old query.
    __table_args__ = ({"sqlite_with_rowid": False},)


class BedState(OrgOwned, Base):
    """The current state of one unit's beds of one type: the latest report plus live holds.

    The check constraint is the no-double-booking invariant: whatever the application does,
    the database never stores more occupied + blocked + held beds than there are staffed beds.
    """

    __tablename__ = "bed_state"

    unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), primary_key=True)
    bed_type_code: Mapped[str] = mapped_column(ForeignKey("bed_type.code"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    physical: Mapped[int] = mapped_column(Integer, default=0)
    staffed: Mapped[int] = mapped_column(Integer, default=0)
    occupied: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    blocked_reason: Mapped[str | None] = mapped_column(String(200))
    expected_free_date: Mapped[date | None] = mapped_column(Date)
    remark: Mapped[str | None] = mapped_column(String(500))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_id: Mapped[int | None] = mapped_column(ForeignKey("availability_report.id"))
    version: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[CareUnit] = relationship()
    bed_type: Mapped[BedType] = relationship()

    __table_args__ = (
        ForeignKeyConstraint(
            ["unit_id", "bed_type_code"],
            ["unit_bed_type.unit_id", "unit_bed_type.bed_type_code"],
            ondelete="CASCADE",
        ),
        CheckConstraint(
            "physical >= 0 AND staffed >= 0 AND occupied >= 0 AND blocked >= 0 AND held >= 0 "
            "AND staffed <= physical",
            name="counts_nonnegative",
        ),
        CheckConstraint("occupied + blocked + held <= staffed", name="no_overbooking"),
        # Placement reads the states of one or two bed types (PostgreSQL then scans 1/11 of
        # the table instead of all of it); reports change counts, never these columns.
        Index("ix_bed_state_bed_type", "bed_type_code", "unit_id"),
    )

    @property
    def available(self) -> int:
        """Derived, never typed: staffed − occupied − blocked − held."""
        return self.staffed - self.occupied - self.blocked - self.held


class PullFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    SANER = "saner"  # a FHIR SANER MeasureReport (or a Bundle of them): interop/fhir/pull.py
    EDXL = "edxl"  # an EDXL-HAVE 2.0 or 1.0 document (interop/edxl)


class PullSource(OrgOwned, Base):
    """A provider's own endpoint that publishes its availability, polled every few minutes."""

    __tablename__ = "pull_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    format: Mapped[PullFormat] = mapped_column(
        str_enum(PullFormat, "pull_format", 10)
    )
    interval_minutes: Mapped[int] = mapped_column(Integer, default=5)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Sent as the Authorization header of every pull: another tower's /fhir export (federation)
    # or a hospital system that wants a token. Never shown again after it is registered.
    authorization: Mapped[str | None] = mapped_column("auth_header", String(500))
    # The last pull's result: when, whether it was saved, how many reports (None unless it
    # was), and what stopped it (the first problems as rows of their own, the rest counted).
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_accepted: Mapped[int | None] = mapped_column(Integer)
    last_more_problems: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    last_problems: Mapped[list[PullProblem]] = relationship(
        back_populates="source", order_by="PullProblem.position", cascade="all, delete-orphan",
        passive_deletes=True)

    __table_args__ = (CheckConstraint("interval_minutes BETWEEN 1 AND 1440", name="interval"),)


class PullProblem(Base):
    """One problem that stopped a source's last pull: a catalogue msgid with its values, so
    the page shows it in Dutch and the API in English."""

    __tablename__ = "pull_problem"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("pull_source.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    row: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, str]] = mapped_column(JSON)

    source: Mapped[PullSource] = relationship(back_populates="last_problems")

    @property
    def scope_owner_id(self) -> int | None:
        return self.source.organisation_id if self.source is not None else None


class TeamIntake(Base):
    """A district-nursing team's report whether, and from when, it takes new clients."""

    __tablename__ = "team_intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("nursing_team.id", ondelete="CASCADE"))
    accepting: Mapped[bool] = mapped_column(Boolean)
    available_from: Mapped[date | None] = mapped_column(Date)
    capacity_note: Mapped[str | None] = mapped_column(String(500))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_by: Mapped[str] = mapped_column(String(254))

    team: Mapped[NursingTeam] = relationship()

    __table_args__ = (Index("ix_team_intake_team_time", "team_id", "reported_at"),)

    @property
    def scope_owner_id(self) -> int | None:
        return self.team.organisation_id if self.team is not None else None
