"""Backtests of the population projection beside a naive baseline (issue 16 item 2), computed
from the same open data the projection reads (docs/foresight.md has the figures).

(a) Total population: fitted on 2012-2018, projected to 1 January 2024 (= 31 December 2023),
    against CBS's count; the naive baseline continues the 2012-2019 growth rate.
(b) Ageing: the share aged 65+ on 1 January 2024 (CBS/PDOK 2024, whole percent) from the 2015
    age structure; the naive baseline holds the 2015 share (CBS kerncijfers) constant. The
    baseline is, in effect, given the true 2024 total (share × total = the 65+ count), so the
    model is too: it ages the 2015 structure with the observed births, deaths and migration of
    2015-2023. What is tested is the age dynamics; the totals are what (a) tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verkeerstoren.foresight import cohort, inputs
from verkeerstoren.foresight.cohort import Array

FIT = (2012, 2018)
TARGET_YEAR = 2024
AGED_FROM_GROUP = 13  # 65-69


@dataclass(frozen=True)
class Backtest:
    """Per-area actual, model and naive values of one backtest, over the areas it could test."""

    measure: str  # "total_population" or "share_65plus"
    codes: tuple[str, ...]
    actual: Array
    model: Array
    naive: Array

    def errors(self, which: Array) -> Array:
        return np.asarray(np.abs(which - self.actual) / self.actual * 100.0, dtype=np.float64)

    def mape(self, codes: list[str] | None = None) -> tuple[float, float, int]:
        """(model, naive) mean absolute percentage error over ``codes`` (all when None) and
        how many areas that is; NaN when none of them could be tested."""
        keep = np.array([codes is None or c in codes for c in self.codes], dtype=bool)
        if not keep.any():
            return float("nan"), float("nan"), 0
        return (float(self.errors(self.model)[keep].mean()),
                float(self.errors(self.naive)[keep].mean()), int(keep.sum()))


def _complete(obs: inputs.Observed) -> Array:
    """Areas with an age structure and every year of every component."""
    ok = ~np.isnan(obs.population).any(axis=1) & ~np.isnan(obs.base).any(axis=(1, 2))
    for values in obs.components.values():
        ok &= ~np.isnan(values).any(axis=1)
    return np.asarray(ok, dtype=np.bool_)


def _empty(measure: str) -> Backtest:
    nothing = np.zeros(0)
    return Backtest(measure, (), nothing, nothing, nothing)


def _covers(obs: inputs.Observed, first: int, last: int) -> bool:
    return all(y in obs.years for y in range(first, last + 1)) and obs.base_year in obs.years


def total_population(obs: inputs.Observed) -> Backtest:
    """Backtest (a) over the areas of ``obs`` with a full 2012-2023 series."""
    if not _covers(obs, FIT[0], TARGET_YEAR - 1):
        return _empty("total_population")
    ok = _complete(obs)
    _, counts = inputs.run(obs, FIT[0], FIT[1], TARGET_YEAR)
    model = counts[-1].sum(axis=(1, 2))
    first = obs.population[:, obs.index(FIT[0])]
    jump = obs.population[:, obs.index(FIT[1] + 1)]
    span = FIT[1] + 1 - FIT[0]
    naive = jump * (jump / first) ** ((TARGET_YEAR - FIT[1] - 1) / span)
    actual = obs.population[:, -1]
    return Backtest("total_population", tuple(c for c, k in zip(obs.codes, ok, strict=True)
                                              if k), actual[ok], model[ok], naive[ok])


def ageing(obs: inputs.Observed, share_2015: dict[str, float],
           share_2024: dict[str, float]) -> Backtest:
    """Backtest (b): the 65+ share (%) of 2024 over the areas with both published shares."""
    if not _covers(obs, obs.base_year, TARGET_YEAR - 1):
        return _empty("share_65plus")
    ok = _complete(obs)
    fitted = inputs.fit(obs, obs.base_year, TARGET_YEAR - 1)
    groups = cohort.to_groups(fitted.x)
    model = groups[:, :, AGED_FROM_GROUP:].sum(axis=(1, 2)) / groups.sum(axis=(1, 2)) * 100.0
    keep = [i for i, c in enumerate(obs.codes)
            if ok[i] and share_2015.get(c) and share_2024.get(c)]
    codes = tuple(obs.codes[i] for i in keep)
    return Backtest("share_65plus", codes,
                    np.array([share_2024[c] for c in codes], dtype=np.float64),
                    model[keep], np.array([share_2015[c] for c in codes], dtype=np.float64))
