"""The status rule: on track / at risk / off track / no data, with the reason and the rule in
words (both shown beside the status on the pages and in the progress report).

1. No value for the period → *no data*. A qualitative indicator is *no data* too.
2. The governing target is the one of the period's year, else the next year's, else — the
   target years have passed — the last one: a target keeps counting after its year, also
   while a later target is still "to be determined".
3. A numeric target: the value is judged against the **trajectory** (``trajectory.py``): a
   straight line from the baseline to each target, the last target after its year. Direction
   up: value ≥ expected → *on track*; within the tolerance below it → *at risk*; further below →
   *off track*; direction down is the mirror image. The tolerance is the indicator's own, or 5 %
   of the expected value. An *on track* value becomes *at risk* when the last three values each
   moved the wrong way, so a slide is seen before it misses.
4. A target in words with a rule (``rules.py``): a trend over the last periods, or a comparison
   with a reference series. A target in words without a rule ("Nader in te vullen") → *no
   data*, with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from verkeerstoren.kpi import rules
from verkeerstoren.kpi.format import number
from verkeerstoren.kpi.models import Direction
from verkeerstoren.kpi.rules import Rule
from verkeerstoren.kpi.trajectory import Trajectory, expected

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
    rule: str | None = None  # a rules.Rule for a target in words
    reference: str | None = None  # the reference indicator's code, for the reference rules


@dataclass(frozen=True)
class Verdict:
    """A status with the reason and the rule it was judged by (English msgids plus values)."""

    status: Status
    reason: str
    values: dict[str, object] = field(default_factory=dict)
    target: float | None = None  # the value judged against (on the trajectory), if numeric
    rule: str | None = None
    rule_values: dict[str, object] = field(default_factory=dict)


def governing_target(targets: Sequence[Target], year: int) -> Target | None:
    """The target of ``year``, else the next year's, else the last one before it."""
    ordered = sorted(targets, key=lambda t: t.year)
    for target in ordered:
        if target.year >= year:
            return target
    return ordered[-1] if ordered else None


def applicable_target(targets: Sequence[Target], year: int) -> Target | None:
    """The numeric target of ``year``, else of the next year with one, else the last numeric
    target before it (which keeps applying after its year)."""
    return governing_target([t for t in targets if t.value is not None], year)


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
    at: float | None = None,
    baseline: tuple[int, float] | None = None,
    trajectory: Trajectory = Trajectory.LINEAR,
    reference: float | None = None,
    min_trend_values: int = rules.MIN_TREND_VALUES,
) -> Verdict:
    """Apply the rule to one period's value.

    ``history`` are earlier values, oldest first; ``at`` is the period's middle as a decimal
    year (``trajectory.moment``; the middle of ``year`` when not given); ``reference`` is the
    reference series' value for the period, for the reference rules. ``min_trend_values`` is
    2 for a source measured once every few years (the health monitor, Vektis): two
    measurements four years apart are the trend such a source can give.
    """
    if qualitative:
        return Verdict(Status.NO_DATA, "Qualitative indicator: read the narrative.")
    if value is None:
        return Verdict(Status.NO_DATA, "No measurement for this period.")
    current = governing_target(targets, year)
    if current is not None and current.value is None and current.rule:
        return _by_rule(value, current, Rule(current.rule), tolerance, history, reference,
                        min_trend_values)
    numeric = [(t.year, t.value) for t in targets if t.value is not None]
    # A later target still "to be determined" does not suspend a numeric one whose year has
    # passed: that one keeps counting until the plan sets the next.
    passed = [(y, v) for y, v in numeric if y < year]
    if current is not None and current.value is None and passed:
        numeric = passed
    elif current is None or current.value is None:
        numeric = []
    if not numeric or direction is Direction.NONE:
        return Verdict(Status.NO_DATA, "No numeric target set (to be determined).")
    goal = expected(numeric, at if at is not None else year + 0.5, baseline=baseline,
                    shape=trajectory, show=_num)
    assert goal is not None  # numeric is not empty
    band = tolerance if tolerance is not None else abs(goal.value) * DEFAULT_TOLERANCE_SHARE
    values: dict[str, object] = {"value": _num(value), "expected": _num(goal.value),
                                 "year": goal.year, "tolerance": _num(band)}

    def verdict(status: Status, reason: str) -> Verdict:
        return Verdict(status, reason, values, goal.value, goal.rule, goal.values)

    better = value >= goal.value if direction is Direction.UP else value <= goal.value
    if better:
        if _worsening([*history, value], direction):
            return verdict(Status.AT_RISK,
                           "Meets the expected value {expected} but moved the wrong way three "
                           "times in a row.")
        return verdict(Status.ON_TRACK, "{value} meets the expected value {expected}.")
    gap = goal.value - value if direction is Direction.UP else value - goal.value
    if gap <= band:
        return verdict(Status.AT_RISK, "{value} misses the expected value {expected} by less "
                                       "than the tolerance {tolerance}.")
    return verdict(Status.OFF_TRACK, "{value} misses the expected value {expected} by more "
                                     "than the tolerance {tolerance}.")


def _by_rule(value: float, target: Target, rule: Rule, tolerance: float | None,
             history: Sequence[float], reference: float | None,
             min_trend_values: int = rules.MIN_TREND_VALUES) -> Verdict:
    rule_values: dict[str, object] = {"n": rules.TREND_PERIODS,
                                      "reference": target.reference or "–"}
    text = rules.RULE_TEXT[rule]
    if rule in (Rule.TREND_DOWN, Rule.TREND_UP):
        series = [*history, value]
        n = min(len(series), rules.TREND_PERIODS)
        values: dict[str, object] = {"n": n, "year": target.year}
        if len(series) < min_trend_values:
            return Verdict(Status.NO_DATA, "A trend needs at least three periods; {n} so far.",
                           values, None, text, rule_values)
        if len(series) == 2:
            text = rules.TWO_POINT_TEXT[rule]
        outcome = rules.trend(series, rule, tolerance)
        if outcome == "good":
            return Verdict(Status.ON_TRACK, "The trend over the last {n} periods goes the "
                           "intended way.", values, None, text, rule_values)
        if outcome == "flat":
            return Verdict(Status.AT_RISK, "No clear trend over the last {n} periods.", values,
                           None, text, rule_values)
        return Verdict(Status.OFF_TRACK, "The trend over the last {n} periods goes the wrong "
                       "way.", values, None, text, rule_values)
    if reference is None:
        return Verdict(Status.NO_DATA, "No value of the reference {reference} for this period.",
                       {"reference": target.reference or "–", "year": target.year}, None, text,
                       rule_values)
    band = tolerance if tolerance is not None else abs(reference) * DEFAULT_TOLERANCE_SHARE
    values = {"value": _num(value), "expected": _num(reference), "year": target.year,
              "tolerance": _num(band)}
    if rule is Rule.NEAR_REFERENCE:
        off = abs(value - reference)
        good = off <= band
        close = off <= 2 * band
    else:
        gap = reference - value if rule is Rule.ABOVE_REFERENCE else value - reference
        good = gap <= 0
        close = gap <= band
    if good:
        return Verdict(Status.ON_TRACK, "{value} meets the reference {expected}.", values,
                       reference, text, rule_values)
    if close:
        return Verdict(Status.AT_RISK, "{value} misses the reference {expected} by less than "
                       "the tolerance {tolerance}.", values, reference, text, rule_values)
    return Verdict(Status.OFF_TRACK, "{value} misses the reference {expected} by more than the "
                   "tolerance {tolerance}.", values, reference, text, rule_values)


def _num(value: float) -> str:
    """A number the Dutch way: 100.000 and 73,8."""
    return number(round(value, 1))
