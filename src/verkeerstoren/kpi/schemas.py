"""Inputs and outputs of the KPI API; bounded so that no input can cause a server error."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from verkeerstoren.kpi.models import (
    ActionState,
    AreaKind,
    Dimension,
    Direction,
    Frequency,
    IndicatorKind,
    Nature,
    Phase,
    RagStatus,
    Unit,
)
from verkeerstoren.kpi.rules import Rule
from verkeerstoren.kpi.trajectory import Trajectory
from verkeerstoren.schema_types import Number as JsonNumber

MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
Number = Annotated[JsonNumber, Field(ge=-1e12, le=1e12)]
Year = Annotated[int, Field(ge=1990, le=2100)]
PeriodText = Annotated[str, Field(min_length=4, max_length=7)]
QuarterText = Annotated[str, Field(pattern=r"^(199\d|20\d\d)Q[1-4]$")]
OnDuplicate = Literal["ask", "replace", "keep"]
SafeDate = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoalIn(_In):
    """A goal of the tree; the hoofddoel has no parent."""

    parent_id: Id | None = None
    title: Annotated[str, Field(min_length=1, max_length=300)]
    description: LongText | None = None
    dimension: Dimension | None = None
    target_group: Annotated[str, Field(max_length=200)] | None = None
    action_line_id: Id | None = None
    source: Annotated[str, Field(max_length=300)] | None = None


class TargetIn(_In):
    """One year's target: a number, a text as the document words it, or both."""

    year: Year
    value: Number | None = None
    text: Annotated[str, Field(max_length=500)] | None = None
    rule: Rule | None = Field(default=None, description="How a target in words is evaluated.")
    reference: Annotated[str, Field(min_length=1, max_length=30,
                                    pattern=r"^[A-Za-z0-9_.-]+$")] | None = Field(
        default=None, description="Code of the reference indicator (reference rules).")


class IndicatorIn(_In):
    """An indicator and its targets."""

    code: Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_.-]+$")]
    goal_id: Id
    name: Annotated[str, Field(min_length=1, max_length=300)]
    definition: LongText | None = None
    kind: IndicatorKind
    nature: Nature = Nature.QUANTITATIVE
    unit: Unit
    direction: Direction
    source: Annotated[str, Field(max_length=300)] | None = None
    frequency: Frequency
    responsible_organisation_id: Id | None = None
    responsible_name: Annotated[str, Field(max_length=200)] | None = None
    baseline_value: Number | None = None
    baseline_year: Year | None = None
    baseline_text: Annotated[str, Field(max_length=500)] | None = None
    tolerance: Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)] | None = None
    trajectory: Trajectory = Trajectory.LINEAR
    targets: Annotated[list[TargetIn], Field(max_length=50)] = []


class MeasurementIn(_In):
    """A value or narrative of an indicator (by code) for a period and area."""

    indicator: Annotated[str, Field(min_length=1, max_length=30)]
    period: PeriodText
    area: Annotated[str, Field(max_length=8)] = ""
    value: Number | None = None
    narrative: LongText | None = None
    note: Annotated[str, Field(max_length=1000)] | None = None


class ActionIn(_In):
    """A PDCA follow-up action on an indicator."""

    indicator_id: Id
    period: PeriodText | None = None
    what: Annotated[str, Field(min_length=1, max_length=1000)]
    owner: Text200
    due_date: SafeDate


class ActionUpdate(_In):
    """A new state for an action, with what came of it."""

    state: ActionState
    result: LongText | None = None


class ProjectIn(_In):
    """A project under an action line."""

    action_line_id: Id
    name: Text200
    description: LongText | None = None
    owner_organisation_id: Id | None = None
    owner_name: Annotated[str, Field(max_length=200)] | None = None
    phase: Phase = Phase.IDEA
    start_date: SafeDate | None = None
    end_date: SafeDate | None = None
    budget_eur: Annotated[JsonNumber, Field(ge=0, le=1e12)] | None = None
    indicator_ids: Annotated[list[Id], Field(max_length=100)] = []


class ProgressIn(_In):
    """A quarterly progress entry (Bijlage II)."""

    quarter: QuarterText
    status: RagStatus
    phase: Phase
    progress: Annotated[str, Field(min_length=1, max_length=5000)]
    risks: LongText | None = None
    decisions_needed: LongText | None = None


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class GoalOut(Out):
    id: int
    parent_id: int | None
    level: str
    title: str
    dimension: Dimension | None
    action_line_id: int | None


class TargetOut(Out):
    year: int
    value: float | None
    text: str | None
    rule: str | None
    reference: str | None


class IndicatorOut(Out):
    id: int
    code: str
    goal_id: int
    name: str
    kind: IndicatorKind
    nature: Nature
    unit: Unit
    direction: Direction
    frequency: Frequency
    baseline_value: float | None
    baseline_year: int | None
    baseline_text: str | None
    tolerance: float | None
    trajectory: str
    computed_key: str | None
    # The source the measurements come from (kpi/sources.py); set by the seeds and the demo.
    source_kind: str | None = None
    source_params: dict[str, str] | None = None
    targets: list[TargetOut]


class MeasurementOut(Out):
    id: int
    indicator_id: int
    period: str
    area_kind: AreaKind
    area_code: str
    value: float | None
    narrative: str | None
    source: str
    is_demo: bool
    source_rows: dict[str, object] | None
    details: dict[str, object] | None
    note: str | None = None  # for a value read from a source: its provenance


class ImportOut(BaseModel):
    written: int
    replaced: int
    kept: int


class StatusOut(BaseModel):
    indicator: str
    period: str | None
    value: float | None
    status: str
    reason: str


class ActionOut(Out):
    id: int
    indicator_id: int
    period: str | None
    what: str
    owner: str
    due_date: date
    state: ActionState


class ProgressOut(Out):
    quarter: str
    status: RagStatus
    phase: Phase
    progress: str
    risks: str | None
    decisions_needed: str | None


class ProjectOut(Out):
    id: int
    action_line_id: int
    name: str
    phase: Phase
    start_date: date | None
    end_date: date | None
    budget_eur: float | None
    progress: list[ProgressOut]
