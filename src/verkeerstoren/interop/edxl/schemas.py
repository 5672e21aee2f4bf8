"""API shapes of the EDXL-HAVE import's answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class StaleOut(BaseModel):
    unit_id: int
    bed_type_code: str
    reported_at: datetime
    age_hours: float = Field(description="How old the figure was when it arrived.")


class EdxlImportOut(BaseModel):
    """What an EDXL-HAVE document changed: every figure was recorded (or none was)."""

    version: str = Field(description='"2.0" or "1.0": the document\'s EDXL-HAVE version.')
    accepted: int = Field(description="Reports recorded (one per unit and bed type).")
    stale: list[StaleOut] = Field(
        description="Figures older than 24 hours: recorded, and shown as stale on the board.")
    over_capacity: int = Field(
        description="Services with a negative available count, recorded as full.")
