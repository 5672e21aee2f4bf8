"""API shapes of waiting times."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from verkeerstoren.waiting_times.models import Sector

Weeks = float | None


class WaitIn(BaseModel):
    """A provider's current waits for one care type (at one of its locations)."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    location_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    sector: Sector
    care_type: str = Field(min_length=1, max_length=100)
    intake_weeks: Weeks = Field(default=None, ge=0, le=520)
    treatment_weeks: Weeks = Field(default=None, ge=0, le=520)
    measured_on: date | None = None

    @model_validator(mode="after")
    def _some_wait(self) -> WaitIn:
        if self.intake_weeks is None and self.treatment_weeks is None:
            raise ValueError("give an intake wait, a treatment wait or both")
        return self


class WaitOut(BaseModel):
    provider: str
    location: str
    place: str
    gemeente_code: str | None
    sector: str
    care_type: str
    intake_weeks: Weeks
    treatment_weeks: Weeks
    intake_note: str
    treatment_note: str
    measured_on: date
    source: str
    status: str
    distance_km: float | None = None


class ReportedOut(BaseModel):
    id: int
    organisation_id: int
    location_id: int | None
    sector: str
    care_type: str
    intake_weeks: Weeks
    treatment_weeks: Weeks
    measured_on: date
    source: str
    status: str


class NormOut(BaseModel):
    sector: str
    wait_kind: str
    care_type: str
    max_weeks: float
    description: str
    source: str


class ShareOut(BaseModel):
    sector: str
    providers: int
    providers_within: int
    share_within: float | None
    entries: int
    entries_within: int
    source: str


class ImportOut(BaseModel):
    imported: int
