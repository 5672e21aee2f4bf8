"""Backtests of the population projection beside a naive baseline (issue 16 item 2), computed
from the same open data the projection reads (docs/foresight.md has the figures).

(a) Total population: fitted on 2012-2018, projected to 1 January 2024 (= 31 December 2023),
    against CBS's count; the naive baseline continues the 2012-2019 growth rate.
(b) Ageing: the share aged 65+ on 1 January 2024 (CBS/PDOK 2024, whole percent) from the 2015
    age structure; the naive baseline holds the 2015 share (CBS kerncijfers) constant, knowing
    nothing after 2015. So the model is a true forecast too: fitted on 2012-2014 and the 2015
    structure, projected 2015 → 2024. A second row (``share_65plus_observed``) ages the 2015
    structure with the births, deaths and migration CBS counted in 2015-2023 instead: not a
    forecast, it isolates the age dynamics (schedules, ageing) from the totals.

The model's variant was chosen on a rolling-origin validation whose outcome (1 January 2019)
lies before both backtests' (``validation``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verkeerstoren.foresight import cohort, inputs
from verkeerstoren.foresight.cohort import Array

FIT = (2012, 2018)
TARGET_YEAR = 2024
AGED_FROM_GROUP = 13  # 65-69
# Fitted years of the validation origins (jump-off 2015 and 2016), all projected to 1 January
# 2019: the last count known when (a) is fitted.
VALIDATION_FITS = ((2012, 2014), (2012, 2015))
VALIDATION_YEAR = 2019


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


def total_population(obs: inputs.Observed,
                     model: inputs.MigrationModel = inputs.DEFAULT_MODEL,
                     fitted: tuple[int, int] = FIT, target: int = TARGET_YEAR) -> Backtest:
    """Backtest (a) over the areas of ``obs`` with a full series: fit on the ``fitted`` years,
    project to 1 January ``target``; naive: the growth rate from the first fitted year to the
    jump-off year continued."""
    first, last = fitted
    if not _covers(obs, first, target - 1):
        return _empty("total_population")
    ok = _complete(obs)
    _, counts = inputs.run(obs, first, last, target, model=model)
    model_total = counts[-1].sum(axis=(1, 2))
    start = obs.population[:, first - obs.years[0]]
    jump = obs.population[:, last + 1 - obs.years[0]]
    naive = jump * (jump / start) ** ((target - last - 1) / (last + 1 - first))
    actual = obs.population[:, target - obs.years[0]]
    return Backtest("total_population", tuple(c for c, k in zip(obs.codes, ok, strict=True)
                                              if k), actual[ok], model_total[ok], naive[ok])


def validation(obs: inputs.Observed, model: inputs.MigrationModel = inputs.DEFAULT_MODEL,
               ) -> list[Backtest]:
    """(a) from each validation origin to 1 January 2019: what the variants are chosen on."""
    return [total_population(obs, model, fitted, VALIDATION_YEAR) for fitted in VALIDATION_FITS]


def _share(groups: Array) -> Array:
    aged = groups[:, :, AGED_FROM_GROUP:].sum(axis=(1, 2))
    return np.asarray(aged / groups.sum(axis=(1, 2)) * 100.0, dtype=np.float64)


def _shares_backtest(measure: str, obs: inputs.Observed, model_share: Array,
                     share_2015: dict[str, float], share_2024: dict[str, float]) -> Backtest:
    ok = _complete(obs)
    keep = [i for i, c in enumerate(obs.codes)
            if ok[i] and share_2015.get(c) and share_2024.get(c)]
    codes = tuple(obs.codes[i] for i in keep)
    return Backtest(measure, codes, np.array([share_2024[c] for c in codes], dtype=np.float64),
                    model_share[keep],
                    np.array([share_2015[c] for c in codes], dtype=np.float64))


def ageing(obs: inputs.Observed, share_2015: dict[str, float], share_2024: dict[str, float],
           model: inputs.MigrationModel = inputs.DEFAULT_MODEL) -> Backtest:
    """Backtest (b) as a true forecast: fitted on 2012 to the year before the 2015 structure,
    projected to 2024; the 65+ share (%) over the areas with both published shares."""
    if not _covers(obs, FIT[0], TARGET_YEAR - 1):
        return _empty("share_65plus")
    _, counts = inputs.run(obs, FIT[0], obs.base_year - 1, TARGET_YEAR, model=model)
    return _shares_backtest("share_65plus", obs, _share(counts[-1]), share_2015, share_2024)


def ageing_observed(obs: inputs.Observed, share_2015: dict[str, float],
                    share_2024: dict[str, float]) -> Backtest:
    """Backtest (b) with the 2015-2023 births, deaths and migration as CBS counted them (not
    a forecast): how well the schedules and the ageing alone place the 65-plussers."""
    if not _covers(obs, obs.base_year, TARGET_YEAR - 1):
        return _empty("share_65plus_observed")
    fitted = inputs.fit(obs, obs.base_year, TARGET_YEAR - 1)
    return _shares_backtest("share_65plus_observed", obs, _share(cohort.to_groups(fitted.x)),
                            share_2015, share_2024)
