"""Effect of an intervention on an indicator: before/after means and a segmented regression.

Both methods are deliberately simple and say so when the series is too short to tell:
a difference of means needs at least three values on each side of the project's start, the
interrupted time series at least four on each side (eight in all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

MIN_PER_SIDE_MEANS = 3
MIN_PER_SIDE_ITS = 4
CONFIDENCE = 0.95


@dataclass(frozen=True)
class MeansDifference:
    """After minus before, with its confidence interval (Welch)."""

    before_mean: float
    after_mean: float
    difference: float
    ci_low: float
    ci_high: float
    n_before: int
    n_after: int
    p_value: float


@dataclass(frozen=True)
class SegmentedRegression:
    """y = b0 + b1·t + b2·after + b3·(t − t0)·after: level change b2 and slope change b3."""

    level_change: float
    level_ci: tuple[float, float]
    slope_change: float
    slope_ci: tuple[float, float]
    slope_before: float
    n: int


@dataclass(frozen=True)
class Effect:
    """What can be said about an intervention's effect; ``message`` is a msgid when short."""

    means: MeansDifference | None
    its: SegmentedRegression | None
    message: str | None
    n_before: int
    n_after: int


def _split(points: Sequence[tuple[date, float]], start: date) -> tuple[list[float], list[float]]:
    before = [v for d, v in points if d < start]
    after = [v for d, v in points if d >= start]
    return before, after


def means_difference(before: Sequence[float], after: Sequence[float]) -> MeansDifference:
    """Welch's difference of means with a 95 % confidence interval."""
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    var_b, var_a = b.var(ddof=1) / len(b), a.var(ddof=1) / len(a)
    se = float(np.sqrt(var_b + var_a))
    diff = float(a.mean() - b.mean())
    if se == 0.0:
        return MeansDifference(float(b.mean()), float(a.mean()), diff, diff, diff, len(b),
                               len(a), 0.0 if diff else 1.0)
    dof = (var_b + var_a) ** 2 / (var_b**2 / (len(b) - 1) + var_a**2 / (len(a) - 1))
    t_crit = float(stats.t.ppf(0.5 + CONFIDENCE / 2, dof))
    p_value = float(2 * stats.t.sf(abs(diff / se), dof))
    return MeansDifference(float(b.mean()), float(a.mean()), diff, diff - t_crit * se,
                           diff + t_crit * se, len(b), len(a), p_value)


def segmented_regression(values: Sequence[float], n_before: int) -> SegmentedRegression:
    """Ordinary least squares on an evenly spaced series interrupted after ``n_before`` values."""
    y = np.asarray(values, dtype=float)
    n = len(y)
    t = np.arange(n, dtype=float)
    after = (t >= n_before).astype(float)
    since = (t - n_before) * after
    x = np.column_stack([np.ones(n), t, after, since])
    coef, _res, _rank, _sv = np.linalg.lstsq(x, y, rcond=None)
    residuals = y - x @ coef
    dof = n - x.shape[1]
    sigma2 = float(residuals @ residuals) / dof
    cov = sigma2 * np.linalg.pinv(x.T @ x)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    t_crit = float(stats.t.ppf(0.5 + CONFIDENCE / 2, dof))

    def ci(i: int) -> tuple[float, float]:
        return float(coef[i] - t_crit * se[i]), float(coef[i] + t_crit * se[i])

    return SegmentedRegression(float(coef[2]), ci(2), float(coef[3]), ci(3), float(coef[1]), n)


def effect_of(points: Sequence[tuple[date, float]], start: date) -> Effect:
    """Both analyses for a series of (period start, value) around a project's start date."""
    ordered = sorted(points)
    before, after = _split(ordered, start)
    nb, na = len(before), len(after)
    if min(nb, na) < MIN_PER_SIDE_MEANS:
        return Effect(None, None, "Too few measurements to tell: at least {n} before and {n} "
                      "after the start are needed.", nb, na)
    means = means_difference(before, after)
    if min(nb, na) < MIN_PER_SIDE_ITS:
        return Effect(means, None, "Series too short for a trend-break analysis (at least {n} "
                      "values on each side).", nb, na)
    return Effect(means, segmented_regression([v for _d, v in ordered], nb), None, nb, na)
