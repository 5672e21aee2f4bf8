"""The figures behind the strategic and tactical dashboards and the progress report.

One call loads the whole programme in a handful of queries (goals, indicators with targets,
measurements, actions, projects with progress) and judges every indicator for a quarter.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren.kpi.models import (
    OPEN_ACTION_STATES,
    ActionLine,
    FollowUpAction,
    Goal,
    Indicator,
    Measurement,
    Nature,
    Project,
    Unit,
)
from verkeerstoren.kpi.periods import Period
from verkeerstoren.kpi.sources import SPARSE_KINDS
from verkeerstoren.kpi.status import Status, Target, Verdict, judge
from verkeerstoren.kpi.trajectory import Trajectory, moment


@dataclass(frozen=True)
class Point:
    """One regional value of an indicator."""

    period: str
    start: date
    value: float | None
    narrative: str | None
    measurement_id: int
    is_demo: bool
    source: str = "manual"  # a MeasurementSource value
    note: str | None = None  # for a value from a bound source: its provenance

    @property
    def invented(self) -> bool:
        """A demo value typed in, not read from a source nor computed."""
        return self.is_demo and self.source in ("manual", "import")


@dataclass
class IndicatorView:
    """An indicator with its series up to the quarter, its verdict and its actions."""

    indicator: Indicator
    series: list[Point]
    verdict: Verdict
    actions: list[FollowUpAction]

    @property
    def latest(self) -> Point | None:
        return self.series[-1] if self.series else None

    @property
    def needs_action(self) -> bool:
        """Off track and no open follow-up action yet: the PDCA cycle asks for one."""
        return self.verdict.status is Status.OFF_TRACK and not any(
            a.state in OPEN_ACTION_STATES for a in self.actions)

    @property
    def narrative(self) -> str | None:
        latest = self.latest
        return latest.narrative if latest else None

    @property
    def display_status(self) -> str:
        """The status as the pages label it: "no data" only when there is no measurement; a
        value without a target that can be judged (to be determined, against a forecast not
        yet held) is "no judgeable target", a narrative is "qualitative"."""
        status = self.verdict.status
        latest = self.latest
        if status is not Status.NO_DATA or latest is None:
            return status.value
        if latest.value is None:
            return "qualitative"
        return "no_target"


@dataclass
class GoalView:
    """A sub-goal with its indicators."""

    goal: Goal
    indicators: list[IndicatorView]

    @property
    def status(self) -> Status:
        """The worst status of the goal's indicators that have data."""
        order = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK]
        found = {v.verdict.status for v in self.indicators}
        return next((s for s in order if s in found), Status.NO_DATA)


@dataclass
class LineView:
    """An action line with its projects and the indicators those projects move."""

    line: ActionLine
    projects: list[Project]
    indicators: list[IndicatorView]


@dataclass
class Overview:
    """The whole programme as of the end of one quarter."""

    quarter: Period
    today: date
    main: Goal | None
    main_indicators: list[IndicatorView]
    goals: list[GoalView]
    lines: list[LineView]
    actions: list[FollowUpAction]
    counts: Counter[Status] = field(default_factory=Counter)

    @property
    def all_indicators(self) -> list[IndicatorView]:
        return [*self.main_indicators, *(v for g in self.goals for v in g.indicators)]

    @property
    def overdue(self) -> list[FollowUpAction]:
        return [a for a in self.actions
                if a.state in OPEN_ACTION_STATES and a.due_date < self.today]

    @property
    def open_actions(self) -> list[FollowUpAction]:
        return [a for a in self.actions if a.state in OPEN_ACTION_STATES]

    @property
    def needing_action(self) -> list[IndicatorView]:
        return [v for v in self.all_indicators if v.needs_action]

    @property
    def has_demo_data(self) -> bool:
        return any(p.is_demo for v in self.all_indicators for p in v.series)

    def view_of(self, indicator_id: int) -> IndicatorView | None:
        return next((v for v in self.all_indicators if v.indicator.id == indicator_id), None)


def _reference_value(points: list[Point], latest: Point) -> float | None:
    """The reference series' value for the period, else its latest value before it."""
    found = None
    for point in points:
        if point.start > latest.start:
            break
        if point.value is not None:
            found = point.value
    return found


def _view(
    indicator: Indicator, points: list[Point], actions: list[FollowUpAction], quarter: Period,
    by_code: Mapping[str, list[Point]],
) -> IndicatorView:
    series = [p for p in points if p.start <= quarter.end]
    values = [p.value for p in series if p.value is not None]
    latest = series[-1] if series else None
    qualitative = indicator.nature is Nature.QUALITATIVE or indicator.unit is Unit.TEXT
    targets = [Target(t.year, t.value, t.text, t.rule, t.reference) for t in indicator.targets]
    reference_code = next((t.reference for t in targets if t.reference), None)
    reference = _reference_value(by_code.get(reference_code, []), latest) \
        if latest is not None and reference_code else None
    baseline = (indicator.baseline_year, indicator.baseline_value) \
        if indicator.baseline_year is not None and indicator.baseline_value is not None else None
    verdict = judge(
        latest.value if latest else None,
        year=int(latest.period[:4]) if latest else quarter.year,
        at=moment(latest.period) if latest else None,
        direction=indicator.direction,
        targets=targets,
        tolerance=indicator.tolerance,
        history=values[:-1],
        qualitative=qualitative,
        baseline=baseline,
        trajectory=Trajectory(indicator.trajectory),
        reference=reference,
        # An open-data source (health monitor, Vektis, NZa) is measured every few years.
        min_trend_values=2 if indicator.source_kind in SPARSE_KINDS else 3,
    )
    return IndicatorView(indicator, series, verdict, actions)


def overview(session: Session, quarter: Period, *, today: date) -> Overview:
    """Load and judge the whole programme for a quarter."""
    goals = list(session.scalars(select(Goal).order_by(Goal.sort_order, Goal.id)))
    indicators = list(session.scalars(
        select(Indicator).where(Indicator.active.is_(True))
        .options(selectinload(Indicator.targets)).order_by(Indicator.sort_order, Indicator.code)))
    points: defaultdict[int, list[Point]] = defaultdict(list)
    rows = session.execute(
        select(Measurement.indicator_id, Measurement.period, Measurement.period_start,
               Measurement.value, Measurement.narrative, Measurement.id, Measurement.is_demo,
               Measurement.source, Measurement.note)
        .where(Measurement.area_code == "").order_by(Measurement.period_start))
    for ind_id, label, start, value, narrative, m_id, demo, source, note in rows:
        points[ind_id].append(Point(label, start, value, narrative, m_id, demo,
                                    source.value, note if source.value == "source" else None))
    actions = list(session.scalars(
        select(FollowUpAction).order_by(FollowUpAction.due_date, FollowUpAction.id)))
    by_indicator: defaultdict[int, list[FollowUpAction]] = defaultdict(list)
    for action in actions:
        by_indicator[action.indicator_id].append(action)
    by_code = {i.code: points[i.id] for i in indicators}
    views = {i.id: _view(i, points[i.id], by_indicator[i.id], quarter, by_code)
             for i in indicators}
    per_goal: defaultdict[int, list[IndicatorView]] = defaultdict(list)
    for indicator in indicators:
        per_goal[indicator.goal_id].append(views[indicator.id])
    main = next((g for g in goals if g.parent_id is None), None)
    goal_views = [GoalView(g, per_goal[g.id]) for g in goals if g.parent_id is not None]
    projects = list(session.scalars(
        select(Project).options(selectinload(Project.progress), selectinload(Project.indicators))
        .order_by(Project.action_line_id, Project.name)))
    lines = []
    for line in session.scalars(select(ActionLine).order_by(ActionLine.sort_order)):
        own = [p for p in projects if p.action_line_id == line.id]
        linked = {i.id for p in own for i in p.indicators}
        linked |= {i.id for g in goals if g.action_line_id == line.id for i in indicators
                   if i.goal_id == g.id}
        lines.append(LineView(line, own, [views[i] for i in sorted(linked) if i in views]))
    result = Overview(quarter, today, main, per_goal[main.id] if main else [], goal_views,
                      lines, actions)
    result.counts = Counter(v.verdict.status for v in result.all_indicators)
    return result


def sparkline(values: list[float | None], width: int = 90, height: int = 22) -> str:
    """SVG polyline points of a small trend line (empty when fewer than two values)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low = min(v for _i, v in known)
    high = max(v for _i, v in known)
    span = (high - low) or 1.0
    step = width / max(1, len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
                    for i, v in known)
