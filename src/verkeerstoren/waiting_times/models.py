"""Tables for waiting times: the Treeknormen reference and the waits providers report."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from verkeerstoren.access.scoping import OrgOwned
from verkeerstoren.registry.models import Location, Organisation
from verkeerstoren.storage.base import Base, Timestamps


class Sector(StrEnum):
    GGZ = "ggz"
    MEDICAL_SPECIALIST = "msz"
    DISTRICT_NURSING = "wijkverpleging"
    ELDERLY_CARE = "ouderenzorg"


class WaitKind(StrEnum):
    INTAKE = "intake"  # aanmeldwachttijd / toegangstijd
    TREATMENT = "treatment"  # behandelwachttijd / wachttijd tot zorg


class ReportSource(StrEnum):
    FORM = "form"
    API = "api"
    CSV = "csv"


def _enum(kind: type[StrEnum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e])


class Treeknorm(Base):
    """A maximum acceptable wait (weeks) for a sector, wait kind and optionally a care type."""

    __tablename__ = "treeknorm"

    id: Mapped[int] = mapped_column(primary_key=True)
    sector: Mapped[Sector] = mapped_column(_enum(Sector, "wait_sector"))
    wait_kind: Mapped[WaitKind] = mapped_column(_enum(WaitKind, "wait_kind"))
    care_type: Mapped[str] = mapped_column(String(100), default="")
    max_weeks: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(600))

    __table_args__ = (
        UniqueConstraint("sector", "wait_kind", "care_type"),
        CheckConstraint("max_weeks > 0 AND max_weeks <= 52", name="weeks_range"),
    )


class WaitReport(OrgOwned, Timestamps, Base):
    """A provider's current waits for one care type at one location, as of a date."""

    __tablename__ = "wait_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    sector: Mapped[Sector] = mapped_column(_enum(Sector, "wait_sector"))
    care_type: Mapped[str] = mapped_column(String(100))
    intake_weeks: Mapped[float | None] = mapped_column(Float)
    treatment_weeks: Mapped[float | None] = mapped_column(Float)
    measured_on: Mapped[date] = mapped_column(Date)
    source: Mapped[ReportSource] = mapped_column(_enum(ReportSource, "wait_source"))
    reported_by: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship()
    location: Mapped[Location | None] = relationship()

    __table_args__ = (
        CheckConstraint("intake_weeks IS NULL OR (intake_weeks >= 0 AND intake_weeks <= 520)",
                        name="intake_range"),
        CheckConstraint(
            "treatment_weeks IS NULL OR (treatment_weeks >= 0 AND treatment_weeks <= 520)",
            name="treatment_range"),
        CheckConstraint("intake_weeks IS NOT NULL OR treatment_weeks IS NOT NULL",
                        name="some_wait"),
        Index("ix_wait_report_lookup", "sector", "care_type", "measured_on"),
        Index("ix_wait_report_org", "organisation_id", "measured_on"),
    )
