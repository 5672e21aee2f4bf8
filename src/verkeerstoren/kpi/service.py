"""Use cases of the goal tree: goals, indicators, measurements, computed values and actions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Permission
from verkeerstoren.access.scoping import across_organisations
from verkeerstoren.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationErrors,
    ValidationProblem,
)
from verkeerstoren.kpi import sources
from verkeerstoren.kpi.models import (
    ActionState,
    AreaKind,
    FollowUpAction,
    Goal,
    GoalLevel,
    Indicator,
    IndicatorTarget,
    Measurement,
    MeasurementSource,
    Nature,
    Unit,
)
from verkeerstoren.kpi.periods import Period, parse_period
from verkeerstoren.kpi.schemas import ActionIn, ActionUpdate, GoalIn, IndicatorIn, MeasurementIn
from verkeerstoren.registry.models import Gemeente, Organisation, Wijk

# The range a value of each unit may take; anything outside is a typing error.
UNIT_RANGES: dict[Unit, tuple[float, float]] = {
    Unit.PERCENT: (0.0, 100.0),
    Unit.COUNT: (0.0, 1e9),
    Unit.DAYS: (0.0, 1e7),
    Unit.HOURS: (0.0, 1e7),
    Unit.EUR: (0.0, 1e12),
    Unit.SCORE: (0.0, 10.0),
}


# Across organisations: the edit context hides every organisation but the actor's own, yet a
# responsible or owner organisation is a reference, not an owner, so an analyst may name any.


def organisation_exists(session: Session, organisation_id: int) -> bool:
    """Whether an organisation exists, whatever organisation the actor is confined to."""
    with across_organisations(session):
        found = session.execute(select(Organisation.id).where(
            Organisation.id == organisation_id)).first()
    return found is not None


def organisation_choices(session: Session) -> list[tuple[int, str]]:
    """Every organisation (id, name) by name, to choose a responsible or owner organisation."""
    with across_organisations(session):
        rows = session.execute(select(Organisation.id, Organisation.name)
                               .order_by(Organisation.name)).all()
    return [(int(row[0]), str(row[1])) for row in rows]


def require_edit(actor: Actor) -> None:
    """Refuse actors that may not change the programme's monitoring data."""
    if not actor.can(Permission.KPI_EDIT):
        raise Forbidden("role may not edit the goal tree")


# --- goals and indicators ------------------------------------------------------------------


UNDER_OWN_SUB_GOAL = "A goal cannot sit under one of its own sub-goals."


def _ancestors(session: Session, goal_id: int) -> set[int]:
    # Walk up from a goal to the root; the seen-set also stops on a cycle already stored.
    seen: set[int] = set()
    current: int | None = goal_id
    while current is not None and current not in seen:
        seen.add(current)
        current = session.scalar(select(Goal.parent_id).where(Goal.id == current))
    return seen


def save_goal(session: Session, actor: Actor, data: GoalIn, goal_id: int | None = None) -> Goal:
    """Create a goal, or update one; a goal without a parent is the hoofddoel."""
    require_edit(actor)
    goal = Goal() if goal_id is None else session.get(Goal, goal_id)
    if goal is None:
        raise NotFound("goal", goal_id)
    if data.parent_id is not None:
        if session.get(Goal, data.parent_id) is None:
            raise ValidationErrors([ValidationProblem("parent_id", "Unknown goal.")])
        if goal_id is not None and data.parent_id == goal_id:
            raise ValidationErrors([ValidationProblem("parent_id",
                                                      "A goal cannot be its own parent.")])
        if goal_id is not None and goal_id in _ancestors(session, data.parent_id):
            raise ValidationErrors([ValidationProblem("parent_id", UNDER_OWN_SUB_GOAL)])
    elif session.scalar(select(Goal.id).where(Goal.parent_id.is_(None), Goal.id != goal_id)):
        raise Conflict("the goal tree already has a main goal")
    for name, value in data.model_dump(exclude={"parent_id"}).items():
        setattr(goal, name, value)
    goal.parent_id = data.parent_id
    goal.level = GoalLevel.MAIN if data.parent_id is None else GoalLevel.SUB
    session.add(goal)
    session.flush()
    return goal


def save_indicator(
    session: Session, actor: Actor, data: IndicatorIn, indicator_id: int | None = None
) -> Indicator:
    """Create or update an indicator together with its yearly targets."""
    require_edit(actor)
    indicator = Indicator() if indicator_id is None else session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound("indicator", indicator_id)
    problems: list[ValidationProblem] = []
    if session.get(Goal, data.goal_id) is None:
        problems.append(ValidationProblem("goal_id", "Unknown goal."))
    other = session.scalar(select(Indicator.id).where(Indicator.code == data.code))
    if other is not None and other != indicator_id:
        problems.append(ValidationProblem("code", "This code is already used."))
    org = data.responsible_organisation_id
    if org is not None and not organisation_exists(session, org):
        problems.append(ValidationProblem("responsible_organisation_id", "Unknown organisation."))
    years = [t.year for t in data.targets]
    if len(set(years)) != len(years):
        problems.append(ValidationProblem("targets", "One target per year."))
    if any(t.value is None and not t.text for t in data.targets):
        problems.append(ValidationProblem("targets", "A target needs a value or a text."))
    if any(t.rule is not None and t.value is not None for t in data.targets):
        problems.append(ValidationProblem(
            "targets", "A rule is for a target in words; a numeric target is judged along the "
            "trajectory."))
    for t in data.targets:
        if t.rule is not None and t.rule.value.endswith("_reference") and (
                t.reference is None or session.scalar(
                    select(Indicator.id).where(Indicator.code == t.reference)) is None):
            problems.append(ValidationProblem(
                "targets", "A reference rule needs the code of an existing indicator."))
    if problems:
        raise ValidationErrors(problems)
    for name, value in data.model_dump(exclude={"targets"}).items():
        setattr(indicator, name, value)
    indicator.targets = [IndicatorTarget(year=t.year, value=t.value, text=t.text, rule=t.rule,
                                         reference=t.reference) for t in data.targets]
    session.add(indicator)
    session.flush()
    return indicator


# --- measurements --------------------------------------------------------------------------


@dataclass
class CheckedMeasurement:
    """A measurement that passed every check and is ready to be written."""

    indicator: Indicator
    period: Period
    area_kind: AreaKind
    area_code: str
    value: float | None
    narrative: str | None
    note: str | None
    row: int | None = None


def _area(session: Session, code: str) -> AreaKind | None:
    if not code:
        return AreaKind.REGION
    if code.startswith("GM") and session.get(Gemeente, code) is not None:
        return AreaKind.GEMEENTE
    if code.startswith("WK") and session.get(Wijk, code) is not None:
        return AreaKind.WIJK
    return None


def check_measurement(
    session: Session, data: MeasurementIn, *, today: date, row: int | None = None,
    indicators: dict[str, Indicator] | None = None,
) -> CheckedMeasurement:
    """Every rule a measurement must meet; raises ValidationErrors naming the row and field."""
    problems: list[ValidationProblem] = []
    code = data.indicator.strip()
    indicator = (indicators or {}).get(code) if indicators is not None else session.scalar(
        select(Indicator).where(Indicator.code == code))
    if indicator is None:
        raise ValidationErrors([ValidationProblem("indicator", "Unknown indicator {code}.", row=row,
                                                  code=code)])
    if sources.is_bound(indicator):
        raise ValidationErrors([ValidationProblem(
            "indicator", "{code} is bound to a source ({source}): its measurements come from "
            "there and cannot be typed in or over.", row=row, code=code,
            source=sources.describe(indicator))])
    try:
        period = parse_period(data.period)
    except ValueError:
        raise ValidationErrors([ValidationProblem("period", "Unknown period {period}.", row=row,
                                                  period=data.period)]) from None
    if period.frequency != indicator.frequency:
        problems.append(ValidationProblem("period",
                                          "{code} is measured per {frequency}, not {period}.",
                                          row=row, code=code, frequency=indicator.frequency.value,
                                          period=period.label))
    if period.start > today:
        problems.append(ValidationProblem("period", "Period {period} has not started yet.", row=row,
                                          period=period.label))
    area_code = data.area.strip().upper()
    area_kind = _area(session, area_code)
    if area_kind is None:
        problems.append(ValidationProblem("area", "Unknown area {area}.", row=row, area=area_code))
    narrative = (data.narrative or "").strip() or None
    value = data.value
    if indicator.nature is Nature.QUALITATIVE or indicator.unit is Unit.TEXT:
        if value is not None:
            problems.append(ValidationProblem("value",
                                              "{code} is qualitative: give a narrative, not a "
                                              "number.", row=row, code=code))
        if narrative is None:
            problems.append(ValidationProblem("narrative", "A narrative is required.", row=row))
    elif value is None and narrative is None:
        problems.append(ValidationProblem("value", "A value or a narrative is required.", row=row))
    elif value is not None:
        low, high = UNIT_RANGES[indicator.unit]
        if math.isnan(value) or not low <= value <= high:
            problems.append(ValidationProblem("value",
                                              "{value} is outside the range {low}–{high} of the "
                                              "unit {unit}.", row=row, value=value, low=low,
                                              high=high, unit=indicator.unit.value))
    if problems:
        raise ValidationErrors(problems)
    assert area_kind is not None
    return CheckedMeasurement(indicator, period, area_kind, area_code, value, narrative,
                              data.note, row)


def existing_measurements(
    session: Session, keys: Iterable[tuple[int, str, str]]
) -> dict[tuple[int, str, str], Measurement]:
    """Measurements already stored for these (indicator id, period, area) keys."""
    wanted = set(keys)
    if not wanted:
        return {}
    ids = {k[0] for k in wanted}
    found = session.scalars(select(Measurement).where(Measurement.indicator_id.in_(ids)))
    return {key: m for m in found
            if (key := (m.indicator_id, m.period, m.area_code)) in wanted}


def write_measurements(
    session: Session, actor: Actor, checked: Sequence[CheckedMeasurement], *,
    on_duplicate: str, source: MeasurementSource,
) -> tuple[int, int, int]:
    """Write checked measurements; returns (written, replaced, kept).

    ``on_duplicate`` is "ask" (refuse, naming the rows, so the user can choose), "replace"
    or "keep" (leave the stored value and skip the new one).
    """
    stored = existing_measurements(
        session, [(c.indicator.id, c.period.label, c.area_code) for c in checked])
    if stored and on_duplicate == "ask":
        raise ValidationErrors([
            ValidationProblem("period",
                              "{code} already has a value for {period}{area}: choose replace or "
                              "keep.", row=c.row, code=c.indicator.code, period=c.period.label,
                              area=f" ({c.area_code})" if c.area_code else "")
            for c in checked if (c.indicator.id, c.period.label, c.area_code) in stored
        ])
    written = replaced = kept = 0
    for item in checked:
        old = stored.get((item.indicator.id, item.period.label, item.area_code))
        if old is not None and on_duplicate == "keep":
            kept += 1
            continue
        target = old or Measurement(indicator_id=item.indicator.id, period=item.period.label,
                                    area_code=item.area_code)
        target.period_start, target.period_end = item.period.start, item.period.end
        target.area_kind = item.area_kind
        target.value, target.narrative, target.note = item.value, item.narrative, item.note
        target.source, target.recorded_by = source, actor.label
        target.source_rows = target.details = None
        session.add(target)
        replaced += old is not None
        written += old is None
    session.flush()
    return written, replaced, kept


def record_measurement(
    session: Session, actor: Actor, data: MeasurementIn, *, today: date,
    on_duplicate: str = "ask",
) -> Measurement:
    """Enter one measurement by hand."""
    require_edit(actor)
    checked = check_measurement(session, data, today=today)
    write_measurements(session, actor, [checked], on_duplicate=on_duplicate,
                       source=MeasurementSource.MANUAL)
    found = existing_measurements(
        session, [(checked.indicator.id, checked.period.label, checked.area_code)])
    return next(iter(found.values()))


# --- follow-up actions ---------------------------------------------------------------------


def add_action(session: Session, actor: Actor, data: ActionIn) -> FollowUpAction:
    """Register a follow-up action for an indicator that misses its target."""
    require_edit(actor)
    if session.get(Indicator, data.indicator_id) is None:
        raise ValidationErrors([ValidationProblem("indicator_id", "Unknown indicator.")])
    if data.period is not None:
        try:
            parse_period(data.period)
        except ValueError:
            raise ValidationErrors([ValidationProblem("period", "Unknown period {period}.",
                                                      period=data.period)]) from None
    action = FollowUpAction(**data.model_dump())
    session.add(action)
    session.flush()
    return action


def update_action(
    session: Session, actor: Actor, action_id: int, data: ActionUpdate, *, today: date
) -> FollowUpAction:
    """Move an action to a new state; done or cancelled records the closing day."""
    require_edit(actor)
    action = session.get(FollowUpAction, action_id)
    if action is None:
        raise NotFound("action", action_id)
    action.state = data.state
    if data.result is not None:
        action.result = data.result
    closed = data.state in (ActionState.DONE, ActionState.CANCELLED)
    action.closed_on = today if closed else None
    session.flush()
    return action
