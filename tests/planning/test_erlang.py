"""The Erlang loss model against published table values and an independent computation."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.stats import poisson  # type: ignore[import-untyped]

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.planning import erlang


@pytest.mark.parametrize(("load", "beds", "published"), [
    (2.0, 5, 0.0367),  # the textbook example: 2 erlang on 5 servers
    (10.0, 10, 0.2146),
    (5.16, 11, 0.0100),  # Erlang B table, 1 % column: 11 servers carry 5.160 erlang
    (84.06, 100, 0.0100),  # the same table: 100 servers carry 84.06 erlang at 1 %
    (0.0105, 1, 0.0104),  # 1 % column, 1 server: 0.0101 erlang; here with a little more load
])
def test_blocking_matches_published_erlang_b_tables(load: float, beds: int,
                                                    published: float) -> None:
    assert erlang.blocking(load, beds) == pytest.approx(published, abs=1.5e-4)


@given(load=st.floats(0.01, 3000), beds=st.integers(0, 4000))
def test_blocking_equals_the_truncated_poisson_form(load: float, beds: int) -> None:
    """B(n, a) = P(N = n) / P(N <= n) for N ~ Poisson(a): scipy's log-space Poisson is an
    independent way to the same number that also holds for thousands of beds."""
    log_ratio = poisson.logpmf(beds, load) - poisson.logcdf(beds, load)
    # scipy's lower tail underflows where the ward is tiny against the load (B is then ~1).
    assume(math.isfinite(log_ratio))
    assert erlang.blocking(load, beds) == pytest.approx(math.exp(log_ratio), rel=1e-7,
                                                        abs=1e-300)


def test_the_recursion_matches_the_factorial_quotient_for_small_wards() -> None:
    for load in (0.5, 3.0, 7.5):
        for beds in range(0, 15):
            terms = [load ** k / math.factorial(k) for k in range(beds + 1)]
            assert erlang.blocking(load, beds) == pytest.approx(terms[-1] / sum(terms))


def test_beds_needed_is_the_fewest_beds_that_meet_the_guarantee() -> None:
    for load in (0.3, 4.0, 24.0, 150.0, 2500.0):
        for guarantee in (0.9, 0.95, 0.99, 0.999):
            found = erlang.beds_needed(load, guarantee)
            assert erlang.blocking(load, found.beds) <= 1 - guarantee
            assert erlang.blocking(load, found.beds - 1) > 1 - guarantee
            assert found.admitted >= guarantee
            assert found.occupancy == pytest.approx(load * found.admitted / found.beds)


def test_a_hundred_percent_guarantee_is_refused_not_approximated() -> None:
    with pytest.raises(ValidationProblem) as caught:
        erlang.beds_needed(10.0, 1.0)
    assert caught.value.field == "guarantee"
    assert "100 %" in caught.value.message


def test_no_load_needs_no_beds_and_a_negative_load_is_refused() -> None:
    assert erlang.beds_needed(0.0, 0.99).beds == 0
    with pytest.raises(ValidationProblem):
        erlang.beds_needed(-1.0, 0.99)
    with pytest.raises(ValidationProblem):
        erlang.blocking(1.0, -1)


def test_the_curve_is_the_recursion_at_every_point() -> None:
    points = erlang.curve(12.0, 5, 20)
    assert [n for n, _ in points] == list(range(5, 21))
    assert all(b == pytest.approx(erlang.blocking(12.0, n)) for n, b in points)
