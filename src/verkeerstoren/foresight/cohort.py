"""The cohort-component model, vectorised over areas: state ``x[area, sex, age]`` on 1 January
in single years of age (0 … 89 and 90+), one step per year (deaths, net migration, everyone one
year older, births at age 0). Inputs and outputs are 5-year groups; a group is spread evenly
over its five ages, and ageing by single years keeps a cohort together (ageing a fifth of each
5-year group per year would leak the large baby-boom cohorts into 65+ years too early). The age
schedules the open data lack are model schedules scaled to each area's observed totals
(docs/foresight.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
GROUPS = 19
AGES = 91  # 0 … 89 and 90+
MIDPOINTS = np.array([a + 2.5 for a in range(0, 90, 5)] + [92.5])
MALE_SHARE_AT_BIRTH = 0.512  # CBS: about 105 boys per 100 girls


# Deaths per 1,000 per year by 5-year group, men then women: a rounded schedule with the shape
# of Dutch period death rates in the 2010s (infant deaths in 0-4, a Gompertz-like rise of about
# 10 % per year of age from 40, 90+ open-ended). Only the shape is used: each area's level is
# scaled to its own observed deaths.
DEATHS_PER_1000 = (
    (0.9, 0.1, 0.1, 0.25, 0.4, 0.45, 0.5, 0.7, 1.1, 1.8, 3.0, 5.0, 8.0, 12.5, 20.0, 35.0, 62.0,
     115.0, 250.0),
    (0.75, 0.08, 0.08, 0.15, 0.2, 0.2, 0.3, 0.5, 0.9, 1.4, 2.3, 3.6, 5.5, 8.5, 13.5, 23.0, 43.0,
     85.0, 215.0),
)


def fertility_shape() -> Array:
    """Share of births by mother's 5-year age group (15-19 … 45-49), close to the Dutch shape
    of the 2010s (mean age at birth about 31); the level is scaled to observed births."""
    shape = np.zeros(GROUPS)
    shape[3:10] = [0.01, 0.07, 0.26, 0.39, 0.21, 0.05, 0.01]
    return shape


def rogers_castro() -> Array:
    """Rogers-Castro model migration schedule (Rogers & Castro 1981, standard parameters:
    childhood a1=0.02 α1=0.1, labour peak a2=0.06 α2=0.1 μ2=20 λ2=0.4, constant 0.003),
    normalised to sum 1 over age groups; the same for both sexes."""
    x = MIDPOINTS
    rate = (0.02 * np.exp(-0.1 * x)
            + 0.06 * np.exp(-0.1 * (x - 20) - np.exp(-0.4 * (x - 20))) + 0.0003)
    return np.asarray(rate / rate.sum(), dtype=np.float64)


def to_ages(groups: Array) -> Array:
    """(..., 19) 5-year groups → (..., 91) single years, each group spread evenly."""
    single = np.repeat(groups[..., :-1] / 5.0, 5, axis=-1)
    return np.concatenate([single, groups[..., -1:]], axis=-1)


def to_groups(ages: Array) -> Array:
    """(..., 91) single years → (..., 19) 5-year groups."""
    head = ages[..., :-1].reshape(*ages.shape[:-1], GROUPS - 1, 5).sum(axis=-1)
    return np.concatenate([head, ages[..., -1:]], axis=-1)


def _per_age(schedule: Array) -> Array:
    """A per-group rate as the same rate at each age of the group."""
    return np.concatenate([np.repeat(schedule[..., :-1], 5, axis=-1), schedule[..., -1:]],
                          axis=-1)


MORTALITY = _per_age(np.array(DEATHS_PER_1000) / 1000.0)  # (2, 91)
FERTILITY = _per_age(fertility_shape())  # (91,): Σ ages = Σ groups for an even spread
MIGRATION = to_ages(np.stack([rogers_castro(), rogers_castro()]) / 2.0)  # (2, 91), sums to 1


@dataclass(frozen=True)
class Rates:
    """Per-area levels of the schedules: shape (areas,). Net migration in the i-th year ahead
    is ``net_migration + migration_trend × (φ + φ² + … + φ^i)`` with φ = ``damping``: a damped
    trend (Gardner & McKenzie 1985) that adds at most ``migration_trend × φ / (1 − φ)``
    however far ahead one projects."""

    mortality: Array  # multiplies MORTALITY
    fertility: Array  # births per woman-year weighted by FERTILITY
    net_migration: Array  # persons per year, in the jump-off year
    migration_trend: Array | None = None  # persons per year per year; None: no trend
    damping: float = 0.0

    def migration(self, ahead: int) -> Array:
        """Net migration ``ahead`` years after the jump-off year (0: the jump-off year)."""
        if self.migration_trend is None or ahead == 0:
            return self.net_migration
        weight = sum(self.damping ** j for j in range(1, ahead + 1))
        return np.asarray(self.net_migration + self.migration_trend * weight, dtype=np.float64)


def expected_deaths(x: Array) -> Array:
    """Deaths per area if the schedule applied unscaled."""
    return np.asarray((x * MORTALITY).sum(axis=(1, 2)), dtype=np.float64)


def expected_births(x: Array) -> Array:
    """Births per area at fertility level 1."""
    return np.asarray((x[:, 1, :] * FERTILITY).sum(axis=1), dtype=np.float64)


def step(x: Array, births: Array, death_factor: Array, net_migration: Array) -> Array:
    """One year on single ages: deaths (the schedule × factor), net migration (Rogers-Castro
    shares, nobody below zero), everyone one year older (90+ open-ended), births at age 0."""
    survivors = x * (1.0 - np.minimum(MORTALITY * death_factor[:, None, None], 1.0))
    moved = np.maximum(survivors + net_migration[:, None, None] * MIGRATION, 0.0)
    out = np.empty_like(moved)
    out[:, :, 1:] = moved[:, :, :-1]
    out[:, :, -1] += moved[:, :, -1]
    out[:, 0, 0] = births * MALE_SHARE_AT_BIRTH
    out[:, 1, 0] = births * (1.0 - MALE_SHARE_AT_BIRTH)
    return out


def observed_step(x: Array, births: Array, deaths: Array, net_migration: Array,
                  total_next: Array | None) -> Array:
    """A year whose births, deaths and net migration are known: the schedules only spread them
    over the ages; the result is scaled to the observed next 1 January total when known."""
    expected = expected_deaths(x)
    factor = np.divide(deaths, expected, out=np.ones_like(deaths), where=expected > 0)
    out = step(x, births, factor, net_migration)
    if total_next is not None:
        total = out.sum(axis=(1, 2))
        scale = np.divide(total_next, total, out=np.ones_like(total), where=total > 0)
        out *= scale[:, None, None]
    return out


def project(x: Array, rates: Rates, steps: int, migration_factor: float = 1.0) -> Array:
    """Years ahead from ``x`` (single ages) with constant rates, in 5-year groups: shape
    (steps + 1, areas, 2, 19)."""
    out = np.empty((steps + 1, x.shape[0], 2, GROUPS))
    out[0] = to_groups(x)
    for i in range(steps):
        births = rates.fertility * expected_births(x)
        x = step(x, births, rates.mortality, rates.migration(i) * migration_factor)
        out[i + 1] = to_groups(x)
    return out
