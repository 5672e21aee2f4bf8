"""The seeded ward simulation against the Erlang formula, and what only the simulation shows."""

from __future__ import annotations

import pytest

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.planning import erlang
from verkeerstoren.planning.simulation import Ward, simulate

WEEK = (1.5, 1.3, 1.1, 1.0, 0.9, 0.6, 0.6)


@pytest.mark.parametrize("cv", [0.5, 1.0, 2.0])
def test_a_long_run_agrees_with_erlang_within_one_point_whatever_the_spread_of_stays(
    cv: float,
) -> None:
    """Erlang B is insensitive to the stay distribution: lognormal stays with little or much
    spread give the formula's blocking (20 simulated years, about 29,000 arrivals)."""
    ward = Ward(beds=26, arrivals_per_day=4.0, mean_stay_days=6.0, stay_cv=cv)
    result = simulate(ward, days=20 * 365, seed=7)
    assert result.arrivals > 25_000
    assert result.blocking == pytest.approx(erlang.blocking(24.0, 26), abs=0.01)
    # Little's law inside the simulation: mean occupied = admitted arrivals × stay.
    admitted_per_day = (result.arrivals - result.refused) / result.days
    assert result.mean_occupied == pytest.approx(admitted_per_day * 6.0, rel=0.03)


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    ward = Ward(beds=10, arrivals_per_day=2.0, mean_stay_days=4.0)
    assert simulate(ward, days=400, seed=1) == simulate(ward, days=400, seed=1)
    assert simulate(ward, days=400, seed=1) != simulate(ward, days=400, seed=2)


def test_weekday_peaks_refuse_more_than_the_formula_and_most_on_the_busy_days() -> None:
    flat = simulate(Ward(beds=12, arrivals_per_day=3.0, mean_stay_days=3.0), days=7300, seed=3)
    peaked = simulate(Ward(beds=12, arrivals_per_day=3.0, mean_stay_days=3.0,
                           weekday_pattern=WEEK), days=7300, seed=3)
    assert peaked.blocking > flat.blocking + 0.005
    by_day = peaked.blocking_by_weekday
    assert by_day[1] is not None
    assert by_day[6] is not None
    assert by_day[1] > by_day[6]  # Tuesday, after two busy days, against Sunday


def test_overflow_beds_take_only_who_the_ward_refuses() -> None:
    ward = Ward(beds=8, arrivals_per_day=2.0, mean_stay_days=4.0)
    without = simulate(ward, days=3650, seed=5)
    with_overflow = simulate(
        Ward(beds=8, arrivals_per_day=2.0, mean_stay_days=4.0, overflow_beds=2),
        days=3650, seed=5)
    assert with_overflow.arrivals == without.arrivals
    # The ward sees the same patients either way, so it is full just as often.
    assert with_overflow.ward_full == pytest.approx(without.blocking, abs=1e-12)
    assert with_overflow.refused < without.refused
    assert with_overflow.overflowed > 0


@pytest.mark.parametrize(("ward", "field"), [
    (Ward(beds=0, arrivals_per_day=1.0, mean_stay_days=2.0), "beds"),
    (Ward(beds=5, arrivals_per_day=0.0, mean_stay_days=2.0), "arrivals_per_day"),
    (Ward(beds=5, arrivals_per_day=1.0, mean_stay_days=0.0), "mean_stay_days"),
    (Ward(beds=5, arrivals_per_day=1.0, mean_stay_days=2.0, weekday_pattern=(1.0, 2.0)),
     "weekday_pattern"),
    (Ward(beds=5, arrivals_per_day=1.0, mean_stay_days=2.0, overflow_beds=-1), "overflow_beds"),
])
def test_a_ward_that_cannot_be_simulated_is_refused_naming_the_input(ward: Ward,
                                                                     field: str) -> None:
    with pytest.raises(ValidationProblem) as caught:
        simulate(ward, days=10)
    assert caught.value.field == field
