"""Tables for loaded open data: one row per loaded data set (provenance) and its figures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from verkeerstoren.storage.base import Base, UTCDateTime, utcnow


class DataSet(Base):
    """One loaded data set (a table of a publisher for one year) with its provenance."""

    __tablename__ = "opendata_dataset"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(200))
    table_id: Mapped[str] = mapped_column(String(60))
    licence: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_stored: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("key", "year"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year_range"),
    )


class AreaValue(Base):
    """One figure of one area (NL01, GMxxxx, WKxxxxyy) for one indicator, subgroup and year.

    ``value`` is NULL where the publisher marks the figure secret or unknown (CBS ``.``/null,
    PDOK −99995), so a table can show "not published" instead of silently dropping the area.
    """

    __tablename__ = "opendata_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("opendata_dataset.id", ondelete="CASCADE"))
    area_code: Mapped[str] = mapped_column(String(10))
    indicator: Mapped[str] = mapped_column(String(60))
    subgroup: Mapped[str] = mapped_column(String(10), default="")
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        UniqueConstraint("dataset_id", "area_code", "indicator", "subgroup", "year"),
        Index("ix_opendata_value_area_indicator", "area_code", "indicator"),
    )


class AreaShape(Base):
    """An area as a data set names it, with its boundary (GeoJSON geometry, WGS84) if known."""

    __tablename__ = "opendata_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("opendata_dataset.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    gemeente_code: Mapped[str | None] = mapped_column(String(6))
    geometry: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("dataset_id", "code"),
        CheckConstraint("level IN ('NL', 'GM', 'WK', 'BU')", name="level_known"),
        Index("ix_opendata_area_code", "code"),
    )


class ExternalWait(Base):
    """A waiting time published by someone else (NZa GGZ collections), per provider location."""

    __tablename__ = "opendata_wait"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("opendata_dataset.id", ondelete="CASCADE"),
                                            index=True)
    provider_key: Mapped[str] = mapped_column(String(40))
    provider_name: Mapped[str] = mapped_column(String(300))
    location_name: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    gemeente_code: Mapped[str | None] = mapped_column(String(6), index=True)
    sector: Mapped[str] = mapped_column(String(30))
    circuit: Mapped[str] = mapped_column(String(60), default="")
    care_type: Mapped[str] = mapped_column(String(300), default="")
    care_kind: Mapped[str] = mapped_column(String(30), default="")
    insurer: Mapped[str] = mapped_column(String(100), default="")
    intake_weeks: Mapped[float | None] = mapped_column(Float)
    treatment_weeks: Mapped[float | None] = mapped_column(Float)
    intake_text: Mapped[str] = mapped_column(String(100), default="")
    treatment_text: Mapped[str] = mapped_column(String(100), default="")
    observed_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("intake_weeks IS NULL OR intake_weeks >= 0", name="intake_nonneg"),
        CheckConstraint("treatment_weeks IS NULL OR treatment_weeks >= 0",
                        name="treatment_nonneg"),
    )
