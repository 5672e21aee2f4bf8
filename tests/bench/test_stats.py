"""bench/stats.py: every run counts in the percentiles, and a p95 needs enough runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bench.stats import MIN_RUNS_FOR_P95, Figure, percentile, summary, timed


def test_percentile_matches_a_hand_computation_and_numpy() -> None:
    # 1..20: the 95th percentile sits at rank 0.95 × 19 = 18.05 (0-based), between 19 and 20.
    values = [float(v) for v in range(20, 0, -1)]  # unsorted on purpose
    assert percentile(values, 95) == pytest.approx(19.05)
    assert percentile(values, 50) == pytest.approx(10.5)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 20.0
    odd = [3.0, 1.0, 7.0, 100.0, 5.0, 2.0, 9.0]
    for q in (5, 50, 90, 95, 99):
        assert percentile(odd, q) == pytest.approx(float(np.percentile(odd, q)))
    assert math.isnan(percentile([], 95))


def test_a_timed_out_run_is_in_the_percentile_at_its_time_out() -> None:
    figure = Figure("x", target_ms=50)
    for _ in range(19):
        figure.ok(10.0)
    figure.timed_out(5000.0)
    assert len(figure.samples) == 20
    assert figure.timeouts == 1
    # Sorted: nineteen 10s and the 5000; rank 18.05 → 10 + 0.05 × 4990.
    assert figure.p95 == pytest.approx(259.5)
    assert figure.maximum == 5000.0
    assert figure.met is False
    assert "| 0 / 1 |" in figure.row()


def test_a_time_out_misses_the_target_even_when_the_p95_would_pass() -> None:
    figure = Figure("x", target_ms=50)
    for _ in range(99):
        figure.ok(10.0)
    figure.timed_out(60.0)  # beyond the 95th percentile of 100 runs
    assert figure.p95 == pytest.approx(10.0)
    assert figure.met is False
    clean = Figure("y", [10.0] * 100, 50)
    assert clean.met is True


def test_a_failed_run_counts_at_the_time_it_took() -> None:
    calls = iter([None, None, None, ValueError("boom"), None])

    def work() -> None:
        outcome = next(calls)
        if outcome is not None:
            raise outcome

    figure = timed(work, Figure("x"), runs=3, warmup=2)
    assert len(figure.samples) == 3
    assert figure.errors == 1
    assert "| 1 / 0 |" in figure.row()


def test_too_few_runs_show_and_judge_the_maximum_not_a_p95() -> None:
    few = Figure("import", [100.0, 100.0, 100.0, 100.0, 2500.0], target_ms=2000)
    assert not few.enough_for_p95
    assert few.judged == 2500.0
    assert few.met is False
    assert f"max 2500.0 (< {MIN_RUNS_FOR_P95} runs: no p95)" in few.row()
    enough = Figure("import", [100.0] * 19 + [2500.0], target_ms=2000)
    assert enough.enough_for_p95
    assert enough.met is True  # p95 = 100 + 0.05 × 2400 = 220


def test_summary_names_failures_and_refuses_a_p95_of_ten_runs() -> None:
    assert summary([0.1] * 10) == "n=10 median 100 ms, max 100 ms (< 20 runs: no p95)"
    assert summary([0.1] * 20, errors=2) == ("n=20 median 100 ms, p95 100 ms, 2 failed, "
                                               "0 timed out (counted)")
