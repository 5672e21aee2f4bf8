"""Tables of foresight (S2): an official population forecast a region loaded, and staff
figures per sector uploaded from a file. Both are region-wide planning inputs (aggregates, no
organisation's rows): every role reads them, the programme's editors (KPI_EDIT) load them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from verkeerstoren.storage.base import Base, UTCDateTime, utcnow


class OfficialForecast(Base):
    """One loaded official forecast file (e.g. the PBL/CBS regional forecast). A new upload
    replaces the previous one: two official forecasts at once would leave "the" official
    figure ambiguous on every page."""

    __tablename__ = "foresight_official"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(300))
    shape: Mapped[str] = mapped_column(String(10))  # "detailed" (sex × age) or "total"
    rows_stored: Mapped[int] = mapped_column(Integer)
    # Whether demand, zorgkloof and beds use it instead of the tower's own projection.
    use_instead: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("shape IN ('detailed', 'total')", name="shape_known"),)


class OfficialForecastValue(Base):
    """Persons on 1 January of a year in a gemeente; sex and age group '' in a total-only file."""

    __tablename__ = "foresight_official_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    forecast_id: Mapped[int] = mapped_column(
        ForeignKey("foresight_official.id", ondelete="CASCADE"), index=True)
    gemeente_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(6))  # male, female or ''
    age_group: Mapped[str] = mapped_column(String(5))  # 0-4 … 90+ or ''
    persons: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        UniqueConstraint("forecast_id", "gemeente_code", "year", "sex", "age_group",
                         name="uq_foresight_official_value_cell"),
        CheckConstraint("persons >= 0", name="persons_not_negative"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )


class StaffFigure(Base):
    """A sector's staff in the base year for an area (GMxxxx or RG<id>), from an uploaded file.
    A new upload replaces the figures of the areas and sectors it names."""

    __tablename__ = "foresight_staff_figure"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_code: Mapped[str] = mapped_column(String(12))
    sector: Mapped[str] = mapped_column(String(30))
    persons: Mapped[float] = mapped_column(Float)
    part_time_factor: Mapped[float] = mapped_column(Float)
    vacancies_fte: Mapped[float] = mapped_column(Float)
    inflow_persons: Mapped[float] = mapped_column(Float)
    outflow_percent: Mapped[float] = mapped_column(Float)
    aged_55_59_percent: Mapped[float] = mapped_column(Float)
    aged_60_plus_percent: Mapped[float] = mapped_column(Float)
    file_name: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("area_code", "sector"),
        CheckConstraint("persons >= 0", name="persons_not_negative"),
    )
