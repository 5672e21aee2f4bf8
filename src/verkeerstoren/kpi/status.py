"""The status rule: on track / at risk / off track / no data, with the reason in words.

The rule, as shown on the dashboard:

1. No value for the period → *no data*. A qualitative indicator, or one without a numeric target
   (the documents often say "nader in te vullen"), is *no data* too, with that reason.
2. The target that applies is the one for the period's year, else the next year that has a
   numeric target (the programme's 2025 or 2030 target).
3. Direction up: value ≥ target → *on track*; value ≥ target − tolerance → *at risk*;
   otherwise *off track*. Direction down: the mirror image. The tolerance is the indicator's
   own, or 5 % of the target when none is set.
4. Trend: an *on track* value becomes *at risk* when the last three values each moved the wrong
   way, so a slide is seen before it misses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from verkeerstoren.kpi.format import number
from verkeerstoren.kpi.models import Direction

DEFAULT_TOLERANCE_SHARE = 0.05


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Target:
    """A year's target as the rule needs it."""

    year: int
    value: float | None
    text: str | None = None


@dataclass(frozen=True)
class Verdict:
    """A status with the reason (an English msgid plus its placeholder values)."""

    status: Status
    reason: str
    values: dict[str, object] = field(default_factory=dict)
    target: float | None = None


def applicable_target(targets: Sequence[Target], year: int) -> Target | None:
    """The numeric target of ``year``, else of the first later year with a numeric target."""
    numeric = sorted((t for t in targets if t.value is not None), key=lambda t: t.year)
    for target in numeric:
        if target.year >= year:
            return target
    return None


def _worsening(history: Sequence[float], direction: Direction) -> bool:
    if len(history) < 3:
        return False
    last = history[-3:]
    if direction is Direction.UP:
        return last[0] > last[1] > last[2]
    return last[0] < last[1] < last[2]


def judge(
    value: float | None,
    *,
    year: int,
    direction: Direction,
    targets: Sequence[Target],
    tolerance: float | None,
    history: Sequence[float] = (),
    qualitative: bool = False,
) -> Verdict:
    """Apply the rule to one period's value; ``history`` are earlier values, oldest first."""
    if qualitative:
        return Verdict(Status.NO_DATA, "Qualitative indicator: read the narrative.")
    if value is None:
        return Verdict(Status.NO_DATA, "No measurement for this period.")
    target = applicable_target(targets, year)
    if target is None or target.value is None or direction is Direction.NONE:
        return Verdict(Status.NO_DATA, "No numeric target set (to be determined).")
    goal = target.value
    band = tolerance if tolerance is not None else abs(goal) * DEFAULT_TOLERANCE_SHARE
    values: dict[str, object] = {"value": _num(value), "target": _num(goal),
                                 "year": target.year, "tolerance": _num(band)}
    better = value >= goal if direction is Direction.UP else value <= goal
    if better:
        if _worsening([*history, value], direction):
            return Verdict(Status.AT_RISK,
                           "Meets the {year} target {target} but fell three times in a row.",
                           values, goal)
        return Verdict(Status.ON_TRACK, "{value} meets the {year} target {target}.", values, goal)
    gap = goal - value if direction is Direction.UP else value - goal
    if gap <= band:
        return Verdict(Status.AT_RISK,
                       "{value} misses the {year} target {target} by less than the tolerance "
                       "{tolerance}.", values, goal)
    return Verdict(Status.OFF_TRACK,
                   "{value} misses the {year} target {target} by more than the tolerance "
                   "{tolerance}.", values, goal)


def _num(value: float) -> str:
    """A number the Dutch way: 100.000 and 73,8."""
    return number(round(value, 1))
