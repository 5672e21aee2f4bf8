"""API shapes for placement requests, options, reservations and the unplaced analysis."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from verkeerstoren.placement.matching import Rule
from verkeerstoren.placement.models import (
    Financing,
    RequestStatus,
    ReservationStatus,
    UnplacedReason,
    Urgency,
)
from verkeerstoren.validation import NearDate

PSEUDONYM = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
# Nine digits in a row anywhere: could be a BSN; such text is refused, never stored.
NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def looks_like_bsn(text: str) -> bool:
    """True when the text holds a nine-digit number that passes the BSN eleven-test."""
    for match in NINE_DIGITS.finditer(text.replace(".", "").replace(" ", "")):
        digits = [int(d) for d in match.group(0)]
        total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
        if (total - digits[8]) % 11 == 0:
            return True
    return False


class RequestIn(BaseModel):
    """A request to place one patient. Only pseudonymised data: no name, BSN or address."""

    model_config = ConfigDict(extra="forbid")

    # Only what matching needs is required (bed types, postcode area, start, financing,
    # urgency); the rest may follow while a bed is held (DetailsIn).
    pseudonym: str | None = Field(
        default=None, description="The referrer's pseudonym for this patient episode "
        "(6–64 letters, digits, - or _); the server makes one up when left out.")
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    sex: str | None = Field(default=None, pattern="^[fmx]$")
    postcode_area: int = Field(ge=1000, le=9999, description="Four digits only.")
    care_needs: str | None = Field(default=None, max_length=1000)
    referrer_name: str | None = Field(default=None, min_length=1, max_length=200)
    referrer_organisation_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    bed_types: list[str] = Field(min_length=1, max_length=11)
    features: list[str] = Field(default_factory=list, max_length=20)
    preferred_gemeenten: list[str] = Field(default_factory=list, max_length=20)
    wanted_start: NearDate
    financing: Financing
    urgency: Urgency
    medically_discharged_on: NearDate | None = None

    @field_validator("pseudonym")
    @classmethod
    def _pseudonym(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not PSEUDONYM.match(value):
            raise ValueError("a pseudonym has 6–64 letters, digits, - or _")
        if looks_like_bsn(value):
            raise ValueError("this looks like a BSN; use a pseudonym, never the BSN")
        return value

    @field_validator("care_needs")
    @classmethod
    def _no_identifiers(cls, value: str | None) -> str | None:
        if value and looks_like_bsn(value):
            raise ValueError("this looks like a BSN; leave identifying numbers out")
        return value

    @field_validator("bed_types", "features", "preferred_gemeenten")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        if any(len(v) > 30 or not v for v in value):
            raise ValueError("codes are 1–30 characters")
        return sorted(set(value))

    @model_validator(mode="after")
    def _dates(self) -> RequestIn:
        if self.medically_discharged_on and self.medically_discharged_on > self.wanted_start:
            raise ValueError("medically discharged date lies after the wanted start")
        return self


class ReserveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: int = Field(ge=1, le=2**31 - 1)
    bed_type_code: str = Field(min_length=1, max_length=30)
    # The bounds are settings, checked by the service: outside them a 422 names the field.
    hold_minutes: int | None = Field(
        default=None, ge=1, le=24 * 60,
        description="Minutes the bed is held (the server's default, 30, when left out); "
        "within VERKEERSTOREN_HOLD_MINUTES_MIN and _MAX, 5-240 by default.")


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    admission_date: NearDate | None = None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class UnplacedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: UnplacedReason
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _other_needs_text(self) -> UnplacedIn:
        if self.reason is UnplacedReason.OTHER and not (self.note and self.note.strip()):
            raise ValueError("reason 'other' needs a note")
        return self


class ReservationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    unit_id: int
    bed_type_code: str
    organisation_id: int
    status: ReservationStatus
    held_until: datetime
    created_at: datetime
    decided_at: datetime | None
    reason: str | None


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    # None only once the retention purge has emptied the request (purged_at).
    pseudonym: str | None
    birth_year: int | None
    sex: str | None
    postcode_area: int | None
    care_needs: str | None
    referrer_organisation_id: int
    referrer_name: str | None
    bed_types: list[str]
    features: list[str]
    preferred_gemeenten: list[str]
    wanted_start: date
    financing: Financing
    urgency: Urgency
    medically_discharged_on: date | None
    status: RequestStatus
    created_at: datetime
    closed_at: datetime | None
    placed_unit_id: int | None
    placed_bed_type: str | None
    admission_date: date | None
    unplaced_reason: UnplacedReason | None
    close_note: str | None
    purged_at: datetime | None = None


class ReasonOut(BaseModel):
    message: str
    text: str


class OptionOut(BaseModel):
    unit_id: int
    unit: str
    organisation: str
    bed_type_code: str
    available: int
    score: float
    distance_km: float | None
    why: list[ReasonOut]


class ExclusionOut(BaseModel):
    unit_id: int
    unit: str
    organisation: str
    bed_type_code: str
    distance_km: float | None
    why: list[ReasonOut]


class RuleCountOut(BaseModel):
    """How many units one hard constraint excluded (a unit breaking two counts under both)."""

    rule: Rule
    message: str
    text: str
    count: int


class OptionsOut(BaseModel):
    """One page of the options, best first, and the exclusions counted per rule; the excluded
    units themselves, each with why, come from .../excluded."""

    total: int = Field(description="options: units meeting every hard constraint")
    offset: int
    limit: int
    considered: int = Field(description="active units offering a requested bed type")
    options: list[OptionOut]
    excluded_total: int
    excluded_by_rule: list[RuleCountOut]


class ExcludedOut(BaseModel):
    """One page of the excluded units (of one rule, or all), nearest to the patient first."""

    rule: Rule | None
    total: int
    offset: int
    limit: int
    excluded: list[ExclusionOut]


class CountOut(BaseModel):
    key: str
    count: int


class DemandOut(BaseModel):
    bed_type_code: str
    gemeente_code: str | None
    unplaced: int


class AnalysisOut(BaseModel):
    period_from: date
    period_to: date
    requests: int
    placed: int
    unplaced: int
    # Still in progress or withdrawn: with these the counts add up to `requests`.
    open: int = 0
    reserved: int = 0
    cancelled: int = 0
    by_reason: list[CountOut]
    by_bed_type: list[CountOut]
    by_gemeente: list[CountOut]
    unmet_demand: list[DemandOut]
    time_to_placement_median_hours: float | None
    time_to_placement_p90_hours: float | None
    placed_within_24h_share: float | None
    wrong_bed_days: int


class DetailsIn(BaseModel):
    """What may follow after the request was made, while the bed is held: the fields given
    replace the stored ones; a field left out is kept."""

    model_config = ConfigDict(extra="forbid")

    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    sex: str | None = Field(default=None, pattern="^[fmx]$")
    referrer_name: str | None = Field(default=None, min_length=1, max_length=200)
    care_needs: str | None = Field(default=None, max_length=1000)
    medically_discharged_on: NearDate | None = None

    @field_validator("care_needs")
    @classmethod
    def _no_identifiers(cls, value: str | None) -> str | None:
        if value and looks_like_bsn(value):
            raise ValueError("this looks like a BSN; leave identifying numbers out")
        return value
