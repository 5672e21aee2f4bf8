"""The programme's goal tree, indicators, measurements, follow-up actions and projects.

These tables describe the whole region's programme, not one organisation's data, so none of
them is organisation-owned: a responsible organisation is a reference, not an owner.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from verkeerstoren.storage.base import Base, Timestamps, UTCDateTime, utcnow


def _enum(kind: type[StrEnum], name: str) -> Enum:
    # Store the values ("main"), not the member names ("MAIN"), so SQL checks can read them.
    return Enum(kind, name=name, native_enum=False, length=20, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


class GoalLevel(StrEnum):
    MAIN = "main"
    SUB = "sub"


class Dimension(StrEnum):
    """The quadruple aim, plus the main goal's own measure (access: waiting lists and times)."""

    HEALTH = "health"
    QUALITY = "quality"
    COSTS = "costs"
    PROFESSIONAL = "professional"
    ACCESS = "access"


class IndicatorKind(StrEnum):
    EFFORT = "effort"
    RESULT = "result"


class Nature(StrEnum):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


class Unit(StrEnum):
    PERCENT = "percent"
    COUNT = "count"
    DAYS = "days"
    HOURS = "hours"
    EUR = "eur"
    SCORE = "score"
    TEXT = "text"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    NONE = "none"


class Frequency(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class AreaKind(StrEnum):
    REGION = "region"
    GEMEENTE = "gemeente"
    WIJK = "wijk"


class MeasurementSource(StrEnum):
    MANUAL = "manual"
    IMPORT = "import"
    COMPUTED = "computed"
    # Read from the source the indicator is bound to (open data, waiting times): kpi/sources.py.
    SOURCE = "source"


class ActionState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_ACTION_STATES = (ActionState.OPEN, ActionState.IN_PROGRESS)


class Phase(StrEnum):
    """Project phases as the programme plan names them (§6.3.2 and the year plans)."""

    IDEA = "idea"
    ASSIGNMENT = "assignment"  # projectopdracht
    PLAN = "plan"  # plan van aanpak
    IMPLEMENTATION_PLAN = "implementation_plan"
    EXECUTION = "execution"
    FINAL_REPORT = "final_report"
    EMBEDDED = "embedded"  # geborgd


class RagStatus(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class ActionLine(Base):
    """An actielijn of a regional programme (Zoetermeer 2025, Haaglanden, Gooi)."""

    __tablename__ = "kpi_action_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    programme: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("programme", "name"),)


class Goal(Timestamps, Base):
    """A node of the goal tree: the hoofddoel or a subdoel under it."""

    __tablename__ = "kpi_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_goal.id", ondelete="CASCADE"))
    level: Mapped[GoalLevel] = mapped_column(_enum(GoalLevel, "goal_level"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    dimension: Mapped[Dimension | None] = mapped_column(_enum(Dimension, "goal_dimension"))
    target_group: Mapped[str | None] = mapped_column(String(200))
    action_line_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_action_line.id"))
    source: Mapped[str | None] = mapped_column(String(300))
    # The region whose figures the goal tree is judged on (the main goal's); computed values
    # under area "" count only its gemeenten, so two regions in one tower are never mixed.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    children: Mapped[list[Goal]] = relationship(order_by="Goal.sort_order")
    action_line: Mapped[ActionLine | None] = relationship()

    __table_args__ = (
        CheckConstraint("(level = 'main') = (parent_id IS NULL)", name="main_is_root"),
    )


class Indicator(Timestamps, Base):
    """A KPI under a goal: what is measured, how, by whom, and what it should reach."""

    __tablename__ = "kpi_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("kpi_goal.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[IndicatorKind] = mapped_column(_enum(IndicatorKind, "indicator_kind"))
    nature: Mapped[Nature] = mapped_column(_enum(Nature, "indicator_nature"))
    unit: Mapped[Unit] = mapped_column(_enum(Unit, "indicator_unit"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "indicator_direction"))
    source: Mapped[str | None] = mapped_column(String(300))
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency, "indicator_frequency"))
    responsible_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id")
    )
    responsible_name: Mapped[str | None] = mapped_column(String(200))
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    # The baseline as the document words it ("73% (2016)", "0-meting: inzicht in wachttijden").
    baseline_text: Mapped[str | None] = mapped_column(String(500))
    tolerance: Mapped[float | None] = mapped_column(Float)
    # How the expected value moves from the baseline to a target (kpi/trajectory.py).
    trajectory: Mapped[str] = mapped_column(String(10), default="linear",
                                            server_default="linear")
    computed_key: Mapped[str | None] = mapped_column(String(40))
    # A binding to a source (kpi/sources.py: kind -> resolver): its measurements come from
    # there and cannot be typed over. ``source_params`` says which figure (data set, variable,
    # area, age group; or sector and area of a waiting-time measure).
    source_kind: Mapped[str | None] = mapped_column(String(20))
    source_params: Mapped[dict[str, str] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    goal: Mapped[Goal] = relationship()
    targets: Mapped[list[IndicatorTarget]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorTarget.year"
    )

    __table_args__ = (
        CheckConstraint("tolerance IS NULL OR tolerance >= 0", name="tolerance_nonnegative"),
        CheckConstraint("baseline_year IS NULL OR baseline_year BETWEEN 1990 AND 2100",
                        name="baseline_year"),
    )


class IndicatorTarget(Base):
    """The target of an indicator for one year; ``value`` empty when the text is all there is."""

    __tablename__ = "kpi_indicator_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("kpi_indicator.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(500))
    # A target in words evaluated as a rule (kpi/rules.py) and, for the reference rules, the
    # code of the indicator whose series is the reference.
    rule: Mapped[str | None] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(30))

    indicator: Mapped[Indicator] = relationship(back_populates="targets")

    __table_args__ = (
        UniqueConstraint("indicator_id", "year"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year"),
        CheckConstraint("value IS NOT NULL OR text IS NOT NULL", name="value_or_text"),
    )


class Measurement(Base):
    """One value (or narrative) of an indicator for one period and area."""

    __tablename__ = "kpi_measurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("kpi_indicator.id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(7))  # 2026, 2026Q3 or 2026-07
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    area_kind: Mapped[AreaKind] = mapped_column(_enum(AreaKind, "area_kind"))
    area_code: Mapped[str] = mapped_column(String(8), default="")  # "" for the whole region
    value: Mapped[float | None] = mapped_column(Float)
    narrative: Mapped[str | None] = mapped_column(Text)
    source: Mapped[MeasurementSource] = mapped_column(
        _enum(MeasurementSource, "measurement_source")
    )
    # For computed values: the operational rows the value came from, {"table": ..., "ids": [...]},
    # and a breakdown (per reason, per bed type, per provider).
    source_rows: Mapped[dict[str, object] | None] = mapped_column(JSON)
    details: Mapped[dict[str, object] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(1000))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(254))

    indicator: Mapped[Indicator] = relationship()

    __table_args__ = (
        UniqueConstraint("indicator_id", "period", "area_code"),
        CheckConstraint("value IS NOT NULL OR narrative IS NOT NULL", name="value_or_narrative"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        Index("ix_kpi_measurement_indicator_start", "indicator_id", "period_start"),
    )


class FollowUpAction(Timestamps, Base):
    """A PDCA follow-up when an indicator misses: what, who, by when, and how it went."""

    __tablename__ = "kpi_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("kpi_indicator.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str | None] = mapped_column(String(7))
    what: Mapped[str] = mapped_column(String(1000))
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    state: Mapped[ActionState] = mapped_column(
        _enum(ActionState, "action_state"), default=ActionState.OPEN
    )
    result: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    indicator: Mapped[Indicator] = relationship()


project_indicator = Table(
    "kpi_project_indicator",
    Base.metadata,
    Column("project_id", ForeignKey("kpi_project.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("kpi_indicator.id", ondelete="CASCADE"),
           primary_key=True),
)


class Project(Timestamps, Base):
    """A project under an action line, with its phase, owner, budget and linked indicators."""

    __tablename__ = "kpi_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_line_id: Mapped[int] = mapped_column(ForeignKey("kpi_action_line.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    phase: Mapped[Phase] = mapped_column(_enum(Phase, "project_phase"), default=Phase.IDEA)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    budget_eur: Mapped[float | None] = mapped_column(Float)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    action_line: Mapped[ActionLine] = relationship()
    indicators: Mapped[list[Indicator]] = relationship(
        secondary=project_indicator, order_by=Indicator.code
    )
    progress: Mapped[list[ProgressEntry]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProgressEntry.quarter"
    )

    __table_args__ = (
        UniqueConstraint("action_line_id", "name"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
                        name="dates_order"),
        CheckConstraint("budget_eur IS NULL OR budget_eur >= 0", name="budget_nonnegative"),
    )


class ProgressEntry(Base):
    """A project's quarterly progress entry (Bijlage II): colour, progress, risks, decisions."""

    __tablename__ = "kpi_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("kpi_project.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(String(6))  # 2026Q3
    status: Mapped[RagStatus] = mapped_column(_enum(RagStatus, "rag_status"))
    phase: Mapped[Phase] = mapped_column(_enum(Phase, "progress_phase"))
    progress: Mapped[str] = mapped_column(Text)
    risks: Mapped[str | None] = mapped_column(Text)
    decisions_needed: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(254))

    project: Mapped[Project] = relationship(back_populates="progress")

    __table_args__ = (UniqueConstraint("project_id", "quarter"),)
