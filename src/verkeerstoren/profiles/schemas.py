"""API shapes of profiles and loaded data sets."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class RowOut(BaseModel):
    indicator: str
    label: str
    unit: str
    year: int | None
    value: float | None
    gemeente: float | None
    region: float | None
    nl: float | None
    previous: float | None
    previous_year: int | None
    source: str


class SectionOut(BaseModel):
    section: str
    rows: list[RowOut]


class ProfileOut(BaseModel):
    code: str
    name: str
    level: str
    gemeente_code: str
    gemeente_name: str
    region_name: str
    sections: list[SectionOut]


class RankedOut(BaseModel):
    rank: int
    code: str
    name: str
    gemeente: str
    value: float | None


class RankingOut(BaseModel):
    indicator: str
    label: str
    source: str
    region_value: float | None
    areas: list[RankedOut]


class DataSetOut(BaseModel):
    key: str
    year: int
    title: str
    publisher: str
    table_id: str
    licence: str
    source_file: str
    rows_read: int
    rows_stored: int
    loaded_at: datetime
    notes: str
