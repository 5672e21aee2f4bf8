"""API shapes for availability reports, the board and district-nursing intake."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.schema_types import Day
from verkeerstoren.validation import NearDate

Count = Field(ge=0, le=10_000)


class ReportIn(BaseModel):
    """One unit's beds of one type. `available` is never sent: it is derived."""

    model_config = ConfigDict(extra="forbid")

    unit_id: int = Field(ge=1, le=2**31 - 1)
    bed_type_code: str = Field(min_length=1, max_length=30)
    physical: int | None = Field(default=None, ge=0, le=10_000,
                                 description="Defaults to the unit's registered beds.")
    staffed: int = Count
    occupied: int = Count
    blocked: int = Field(default=0, ge=0, le=10_000)
    blocked_reason: str | None = Field(default=None, max_length=200)
    expected_free_date: NearDate | None = None
    remark: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _counts_add_up(self) -> ReportIn:
        if self.physical is not None and self.staffed > self.physical:
            raise ValueError("staffed cannot exceed physical beds")
        if self.occupied + self.blocked > self.staffed:
            raise ValueError("occupied plus blocked cannot exceed staffed beds")
        return self


class UnchangedIn(BaseModel):
    """A report card confirmed unchanged: which unit and bed type, and which report it showed."""

    model_config = ConfigDict(extra="forbid")

    unit_id: int = Field(ge=1, le=2**31 - 1)
    bed_type_code: str = Field(min_length=1, max_length=30)
    report_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class BulkReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reports: list[ReportIn] = Field(min_length=1, max_length=50_000)


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    bed_type_code: str
    reported_at: datetime
    physical: int
    staffed: int
    occupied: int
    blocked: int
    blocked_reason: str | None
    expected_free_date: date | None
    remark: str | None
    source: ReportSource
    reported_by: str


class BulkResult(BaseModel):
    accepted: int


class BoardRow(BaseModel):
    """One line of the regional board: a unit's beds of one type right now."""

    unit_id: int
    unit: str
    organisation_id: int
    organisation: str
    location: str
    gemeente_code: str
    gemeente: str
    wijk_code: str | None
    latitude: float | None
    longitude: float | None
    bed_type_code: str
    bed_type: str
    features: list[str]
    physical: int
    staffed: int
    occupied: int
    blocked: int
    held: int
    available: int
    expected_free_date: date | None
    remark: str | None
    reported_at: datetime | None
    age_hours: float | None
    stale: bool
    phone: str | None


class BoardTotal(BaseModel):
    key: str
    label: str
    staffed: int
    available: int
    fresh_available: int


class Board(BaseModel):
    rows: list[BoardRow]
    totals_by_bed_type: list[BoardTotal]
    totals_by_gemeente: list[BoardTotal]
    generated_at: datetime


class IntakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_id: int = Field(ge=1, le=2**31 - 1)
    accepting: bool
    available_from: Day | None = None
    capacity_note: str | None = Field(default=None, max_length=500)


class TeamMatch(BaseModel):
    team_id: int
    team: str
    organisation: str
    phone: str | None
    email: str | None
    skills: list[str]
    start_from: date
    reported_at: datetime
    capacity_note: str | None
