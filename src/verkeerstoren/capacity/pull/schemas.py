"""API shapes of pull sources."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from verkeerstoren.capacity.models import PullFormat


class PullSourceIn(BaseModel):
    """A provider's endpoint; the organisation defaults to the provider's own."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=500, description="http:// or https:// address.")
    format: PullFormat = PullFormat.CSV
    interval_minutes: int = Field(default=5, ge=1, le=1440)
    active: bool = True
    organisation_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1,
        description="Only administrators register for another organisation.")
    authorization: str | None = Field(
        default=None, min_length=8, max_length=500, pattern=r"^[!-~][ -~]*$",
        description="Sent as the Authorization header of every pull, e.g. 'Bearer vt_…' of "
        "another tower's read-only API token (federation). Stored, never shown again.",
        examples=["Bearer vt_0123456789abcdef"])


class ProblemOut(BaseModel):
    row: int | None
    field: str
    message: str


class PullSourceOut(BaseModel):
    """A registered endpoint and the result of its last pull."""

    id: int
    organisation_id: int
    url: str
    format: PullFormat
    interval_minutes: int
    active: bool
    sends_authorization: bool
    last_run_at: datetime | None
    last_ok: bool | None
    last_message: str | None
    last_accepted: int | None
    last_problems: list[ProblemOut]
