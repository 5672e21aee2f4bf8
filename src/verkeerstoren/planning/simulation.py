"""A seeded discrete-event simulation of a ward as a loss system (SimPy), to check the Erlang
formula and to show what it cannot: arrivals that follow the week (Mondays are busier than
Sundays), stays that are not exponential, and a few overflow beds that take a patient only when
the ward is full.

Arrivals per day are Poisson with that weekday's rate and spread uniformly over the day, which
is an exact non-homogeneous Poisson stream for rates that are constant within a day. Stays are
lognormal with the given mean and coefficient of variation (a ward's stays are right-skewed;
``cv`` 1 is as spread as the exponential). The first ``warmup_days`` are not counted: an empty
ward refuses nobody, and counting that start would flatter the result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from verkeerstoren.errors import ValidationProblem

WEEKDAYS = 7
# A bound on the work one request may ask for: about 10 years at 70 admissions a day, a few
# seconds of simulation on this machine.
MAX_SIMULATED_ARRIVALS = 250_000


@dataclass(frozen=True)
class Ward:
    """What the simulation is asked about."""

    beds: int
    arrivals_per_day: float  # the mean over the week
    mean_stay_days: float
    stay_cv: float = 1.0
    # Relative arrival rate per weekday, Monday first; normalised to a mean of 1.
    weekday_pattern: Sequence[float] = (1.0,) * WEEKDAYS
    overflow_beds: int = 0


@dataclass(frozen=True)
class SimulationResult:
    """Counts after the warm-up, and the shares derived from them."""

    days: int
    seed: int
    arrivals: int
    refused: int
    overflowed: int  # admitted to an overflow bed because the ward was full
    blocking_by_weekday: tuple[float | None, ...]  # Monday first; None: no arrivals that day
    mean_occupied: float  # ward beds, time-averaged

    @property
    def blocking(self) -> float:
        """Share refused (neither a ward bed nor an overflow bed was free)."""
        return self.refused / self.arrivals if self.arrivals else 0.0

    @property
    def ward_full(self) -> float:
        """Share that found the ward full (refused or sent to an overflow bed): what the Erlang
        formula predicts for the ward alone."""
        return (self.refused + self.overflowed) / self.arrivals if self.arrivals else 0.0


def _check(ward: Ward, days: int) -> None:
    if ward.beds < 1:
        raise ValidationProblem("beds", "A simulation needs at least one bed.")
    if ward.arrivals_per_day <= 0:
        raise ValidationProblem("arrivals_per_day",
                                 "A simulation needs a positive number of arrivals per day.")
    if ward.mean_stay_days <= 0:
        raise ValidationProblem("mean_stay_days", "The mean length of stay must be positive.")
    if not 0 < ward.stay_cv <= 5:
        raise ValidationProblem("stay_cv",
                                 "The spread of stays (coefficient of variation) must lie "
                                 "between 0 and 5.")
    if len(ward.weekday_pattern) != WEEKDAYS or min(ward.weekday_pattern) < 0 \
            or sum(ward.weekday_pattern) <= 0:
        raise ValidationProblem("weekday_pattern",
                                 "The weekday pattern needs seven non-negative numbers, not all "
                                 "zero.")
    if ward.overflow_beds < 0:
        raise ValidationProblem("overflow_beds", "Overflow beds cannot be negative.")
    if ward.arrivals_per_day * days > MAX_SIMULATED_ARRIVALS:
        raise ValidationProblem("days", "Too long a simulation: at most {max} arrivals.",
                                params={"max": MAX_SIMULATED_ARRIVALS})


def simulate(ward: Ward, *, days: int = 3650, warmup_days: int | None = None,
             seed: int = 20261204) -> SimulationResult:
    """Run the ward for ``days`` counted days after a warm-up; the same seed, the same result."""
    _check(ward, days)
    warmup = warmup_days if warmup_days is not None else max(30, math.ceil(5 * ward.mean_stay_days))
    rng = np.random.default_rng(seed)
    pattern = np.asarray(ward.weekday_pattern, dtype=float)
    rates = ward.arrivals_per_day * pattern * WEEKDAYS / pattern.sum()
    sigma2 = math.log1p(ward.stay_cv ** 2)
    mu = math.log(ward.mean_stay_days) - sigma2 / 2

    env = simpy.Environment()
    state = {"ward": 0, "overflow": 0, "area": 0.0, "since": float(warmup)}
    arrivals = np.zeros(WEEKDAYS, dtype=np.int64)
    refused = np.zeros(WEEKDAYS, dtype=np.int64)
    overflowed = 0

    def occupancy_changes_at(now: float) -> None:
        # Time-weighted ward occupancy, counted from the end of the warm-up.
        if now > warmup:
            state["area"] += state["ward"] * (now - max(state["since"], warmup))
            state["since"] = now

    def stay(kind: str, length: float) -> simpy.events.ProcessGenerator:
        yield env.timeout(length)
        occupancy_changes_at(env.now)
        state[kind] -= 1

    def admissions() -> simpy.events.ProcessGenerator:
        nonlocal overflowed
        for day in range(warmup + days):
            weekday = day % WEEKDAYS
            count = int(rng.poisson(rates[weekday]))
            times = np.sort(rng.uniform(day, day + 1, count))
            lengths = rng.lognormal(mu, math.sqrt(sigma2), count)
            for at, length in zip(times, lengths, strict=True):
                yield env.timeout(at - env.now)
                counted = day >= warmup
                if counted:
                    arrivals[weekday] += 1
                if state["ward"] < ward.beds:
                    occupancy_changes_at(env.now)
                    state["ward"] += 1
                    env.process(stay("ward", float(length)))
                elif state["overflow"] < ward.overflow_beds:
                    state["overflow"] += 1
                    overflowed += counted
                    env.process(stay("overflow", float(length)))
                elif counted:
                    refused[weekday] += 1

    env.process(admissions())
    end = warmup + days
    env.run(until=end)
    occupancy_changes_at(float(end))
    by_day = tuple(
        float(refused[d] / arrivals[d]) if arrivals[d] else None for d in range(WEEKDAYS))
    return SimulationResult(
        days=days, seed=seed, arrivals=int(arrivals.sum()), refused=int(refused.sum()),
        overflowed=overflowed, blocking_by_weekday=by_day, mean_occupied=state["area"] / days)
