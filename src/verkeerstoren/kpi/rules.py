"""Targets written as words, made into rules that can be evaluated.

The plans state several targets as a direction ("Dalende trend", "Positieve trend") or against
something else ("hoger dan de Treeknorm", "Conform landelijk gemiddelde"). Each such target
carries a rule (``IndicatorTarget.rule``):

- ``trend_down`` / ``trend_up``: the least-squares slope over the last ``TREND_PERIODS`` values
  (at least three) must go the right way. A slope smaller than the tolerance spread over the
  window (or 1 % of the mean level per period when no tolerance is set) counts as flat: *at
  risk*. The wrong way: *off track*.
- ``above_reference`` / ``below_reference`` / ``near_reference``: the value is compared with the
  same period's value (or the latest before it) of a reference indicator named in
  ``IndicatorTarget.reference`` — a national average, a norm series — with the indicator's
  tolerance as the band. Without a reference value the verdict says so: no data, never a guess.

The seeds map the plans' phrases to these rules (``seeds.TEXT_RULES``); a target whose text
has no rule stays "to be determined".
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

TREND_PERIODS = 4
MIN_TREND_VALUES = 3
FLAT_SHARE = 0.01


class Rule(StrEnum):
    TREND_DOWN = "trend_down"
    TREND_UP = "trend_up"
    ABOVE_REFERENCE = "above_reference"
    BELOW_REFERENCE = "below_reference"
    NEAR_REFERENCE = "near_reference"


RULE_TEXT: dict[Rule, str] = {
    Rule.TREND_DOWN: "Rule: falling trend over the last {n} periods (least-squares slope).",
    Rule.TREND_UP: "Rule: rising trend over the last {n} periods (least-squares slope).",
    Rule.ABOVE_REFERENCE: "Rule: at least the reference {reference} of the same period.",
    Rule.BELOW_REFERENCE: "Rule: at most the reference {reference} of the same period.",
    Rule.NEAR_REFERENCE: "Rule: within the tolerance of the reference {reference} of the same "
                         "period.",
}

# A source measured once every few years (``sources.SPARSE_KINDS``) is judged on the change
# between its last two measurements: the slope of two points.
TWO_POINT_TEXT: dict[Rule, str] = {
    Rule.TREND_DOWN: "Rule: falling between the last two measurements of the source.",
    Rule.TREND_UP: "Rule: rising between the last two measurements of the source.",
}


def slope(values: Sequence[float]) -> float:
    """Least-squares slope per period of equally spaced values."""
    n = len(values)
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den


def trend(values: Sequence[float], rule: Rule, tolerance: float | None) -> str:
    """'good', 'flat' or 'bad' for the last ``TREND_PERIODS`` values (caller checks length)."""
    window = list(values[-TREND_PERIODS:])
    per_period = slope(window)
    if tolerance is not None:
        flat = tolerance / (len(window) - 1)
    else:
        flat = FLAT_SHARE * abs(sum(window) / len(window))
    if abs(per_period) <= flat:
        return "flat"
    falling = per_period < 0
    return "good" if falling == (rule is Rule.TREND_DOWN) else "bad"
