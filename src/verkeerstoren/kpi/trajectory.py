"""Where an indicator should be at a moment: the trajectory from its baseline to its targets.

A baseline measured in year B counts from the middle of B; a target for year Y is due at the
end of Y. Between two such anchors the expected value moves in a straight line (``linear``, the
default) or stays at the coming target (``step``: the target applies in full from the start,
the rule before trajectories existed). After the last target year the last target keeps
applying — a 2025 target does not stop counting in 2026, which is what made K7 read "no numeric
target" while it fell from 92.5 to 71.4 %. Before the first anchor (no baseline) the first
target applies in full.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from verkeerstoren.kpi.periods import parse_period


class Trajectory(StrEnum):
    LINEAR = "linear"
    STEP = "step"


@dataclass(frozen=True)
class Expected:
    """The value a period is judged against, and how it was found (msgid and values)."""

    value: float
    year: int  # the target year that governs this moment
    rule: str
    values: dict[str, object]


def moment(period: str) -> float:
    """The middle of a period as a decimal year ('2026Q3' → about 2026.62, '2025' → 2025.5)."""
    parsed = parse_period(period)
    middle = parsed.start + (parsed.end - parsed.start) / 2
    year_start = date(middle.year, 1, 1)
    days = (date(middle.year + 1, 1, 1) - year_start).days
    # Half a day on: the middle of the period's middle day.
    return middle.year + ((middle - year_start).days + 0.5) / days


def expected(
    targets: Sequence[tuple[int, float]],
    at: float,
    *,
    baseline: tuple[int, float] | None = None,
    shape: Trajectory = Trajectory.LINEAR,
    show: Callable[[float], str] = str,
) -> Expected | None:
    """The expected value at ``at`` from numeric ``targets`` (year, value); None without any.

    ``show`` formats numbers for the rule's text (the Dutch way on pages).
    """
    fmt = show
    anchors = sorted(targets)
    if not anchors:
        return None
    last_year, last_value = anchors[-1]
    if at >= last_year + 1:
        return Expected(last_value, last_year, "Judged against the {year} target {target}, "
                        "which keeps applying after its year.",
                        {"year": last_year, "target": fmt(last_value)})
    points: list[tuple[float, float, int | None]] = []
    if baseline is not None and baseline[0] < anchors[0][0]:
        points.append((baseline[0] + 0.5, baseline[1], None))
    points += [(year + 1.0, value, year) for year, value in anchors]
    if at <= points[0][0] or len(points) == 1:
        year, value = anchors[0]
        return Expected(value, year, "Judged against the {year} target {target}.",
                        {"year": year, "target": fmt(value)})
    for (t0, v0, y0), (t1, v1, y1) in itertools.pairwise(points):
        if t0 <= at <= t1:
            assert y1 is not None  # every point after the first is a target
            if shape is Trajectory.STEP:
                return Expected(v1, y1, "Judged against the {year} target {target}.",
                                {"year": y1, "target": fmt(v1)})
            value = v0 + (v1 - v0) * (at - t0) / (t1 - t0)
            rule = ("Judged against a straight line from the baseline {from_value} "
                    "({from_year}) to the {year} target {target}.") if y0 is None else (
                    "Judged against a straight line from the {from_year} target {from_value} "
                    "to the {year} target {target}.")
            return Expected(
                value, y1, rule,
                {"from_value": fmt(v0),
                 "from_year": baseline[0] if y0 is None and baseline else y0,
                 "year": y1, "target": fmt(v1)})
    year, value = anchors[-1]  # not reached: the loop covers every moment before the last
    return Expected(value, year, "Judged against the {year} target {target}.", {"year": year,
                                                                "target": fmt(value)})
