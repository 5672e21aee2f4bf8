"""The status against a trajectory and against rules, on hand-made series for every kind of
target (issue 15 item 1). Expected values are worked out by hand in the comments."""

from __future__ import annotations

import pytest

from verkeerstoren.kpi.models import Direction
from verkeerstoren.kpi.rules import Rule
from verkeerstoren.kpi.status import Status, Target, judge
from verkeerstoren.kpi.trajectory import Trajectory, moment

UP = Direction.UP
DOWN = Direction.DOWN


def test_a_target_whose_year_has_passed_keeps_counting() -> None:
    """K7 as the demo has it: 95 % for 2025 and 71.4 % in 2026Q3 — off track, not 'no data'."""
    verdict = judge(71.4, year=2026, at=moment("2026Q3"), direction=UP,
                    targets=[Target(2025, 95.0, "Werkafspraak")], tolerance=5.0,
                    history=[92.5, 82.9])
    assert verdict.status is Status.OFF_TRACK
    assert verdict.target == 95.0
    assert verdict.values["year"] == 2025
    assert verdict.rule is not None
    assert "keeps applying after its year" in verdict.rule


def test_a_later_target_to_be_determined_does_not_suspend_a_passed_numeric_one() -> None:
    targets = [Target(2025, 95.0), Target(2030, None, "Nader in te vullen")]
    assert judge(80.0, year=2026, direction=UP, targets=targets,
                 tolerance=5.0).status is Status.OFF_TRACK
    assert judge(96.0, year=2026, direction=UP, targets=targets,
                 tolerance=5.0).status is Status.ON_TRACK


def test_between_baseline_and_target_the_value_is_judged_on_a_straight_line() -> None:
    """Baseline 50 in 2020 (at 2020.5), target 80 for 2025 (due 2026.0). At 2022.5 the line
    stands at 50 + 30 × 2 / 5.5 = 60.91; the default band is 5 % of that, 3.05."""
    targets = [Target(2025, 80.0)]
    linear = {"year": 2022, "at": 2022.5, "direction": UP, "targets": targets,
              "tolerance": None, "baseline": (2020, 50.0)}
    on = judge(61.0, **linear)  # type: ignore[arg-type]
    assert on.status is Status.ON_TRACK
    assert on.target == pytest.approx(60.909, abs=1e-3)
    assert "straight line from the baseline" in (on.rule or "")
    assert judge(58.5, **linear).status is Status.AT_RISK  # type: ignore[arg-type]
    assert judge(57.0, **linear).status is Status.OFF_TRACK  # type: ignore[arg-type]
    # The same value against the target in full (the step shape, the rule before trajectories).
    step = judge(61.0, trajectory=Trajectory.STEP, **linear)  # type: ignore[arg-type]
    assert step.status is Status.OFF_TRACK
    assert step.target == 80.0


def test_between_two_targets_the_line_runs_from_one_to_the_next() -> None:
    """G1: 78 for 2025 (due 2026.0) and 83 for 2030 (due 2031.0): at 2027.5 the line is at
    78 + 5 × 1.5 / 5 = 79.5; lower is better mirrors it."""
    targets = [Target(2025, 78.0), Target(2030, 83.0)]
    verdict = judge(79.6, year=2027, at=2027.5, direction=UP, targets=targets, tolerance=1.0)
    assert verdict.target == pytest.approx(79.5)
    assert verdict.status is Status.ON_TRACK
    assert judge(79.0, year=2027, at=2027.5, direction=UP, targets=targets,
                 tolerance=1.0).status is Status.AT_RISK
    down = judge(79.0, year=2027, at=2027.5, direction=DOWN, targets=targets, tolerance=1.0)
    assert down.status is Status.ON_TRACK


def test_without_a_baseline_the_first_target_applies_in_full() -> None:
    verdict = judge(20.0, year=2024, at=2024.5, direction=DOWN, targets=[Target(2025, 24.0)],
                    tolerance=None)
    assert verdict.status is Status.ON_TRACK
    assert verdict.target == 24.0


@pytest.mark.parametrize(("series", "rule", "status"), [
    ([10.0, 9.0, 8.5, 8.0], Rule.TREND_DOWN, Status.ON_TRACK),
    ([8.0, 8.01, 8.0, 8.02], Rule.TREND_DOWN, Status.AT_RISK),  # flat: within 1 % a period
    ([8.0, 8.5, 9.0, 9.6], Rule.TREND_DOWN, Status.OFF_TRACK),
    ([8.0, 8.5, 9.0, 9.6], Rule.TREND_UP, Status.ON_TRACK),
    ([12.0, 8.0, 9.0, 9.6, 10.0], Rule.TREND_UP, Status.ON_TRACK),  # only the last four count
    ([9.0, 8.0], Rule.TREND_DOWN, Status.NO_DATA),  # two values are no trend
])
def test_trend_targets_are_judged_by_the_slope_of_the_last_periods(
    series: list[float], rule: Rule, status: Status,
) -> None:
    verdict = judge(series[-1], year=2026, direction=DOWN if rule is Rule.TREND_DOWN else UP,
                    targets=[Target(2025, None, "Dalende trend", rule.value)], tolerance=None,
                    history=series[:-1])
    assert verdict.status is status
    assert verdict.rule is not None
    assert "trend" in verdict.rule


@pytest.mark.parametrize(("value", "reference", "rule", "status"), [
    (75.0, 72.0, Rule.ABOVE_REFERENCE, Status.ON_TRACK),
    (70.0, 72.0, Rule.ABOVE_REFERENCE, Status.AT_RISK),  # 2 below, tolerance 3
    (65.0, 72.0, Rule.ABOVE_REFERENCE, Status.OFF_TRACK),
    (65.0, 72.0, Rule.BELOW_REFERENCE, Status.ON_TRACK),
    (74.0, 72.0, Rule.NEAR_REFERENCE, Status.ON_TRACK),
    (76.0, 72.0, Rule.NEAR_REFERENCE, Status.AT_RISK),
    (80.0, 72.0, Rule.NEAR_REFERENCE, Status.OFF_TRACK),
    (80.0, None, Rule.ABOVE_REFERENCE, Status.NO_DATA),  # no reference value: said, not guessed
])
def test_reference_targets_compare_with_the_reference_series(
    value: float, reference: float | None, rule: Rule, status: Status,
) -> None:
    target = Target(2025, None, "Hoger dan het landelijk gemiddelde", rule.value, "NL-REF")
    verdict = judge(value, year=2025, direction=UP, targets=[target], tolerance=3.0,
                    reference=reference)
    assert verdict.status is status
    assert "NL-REF" in str(verdict.rule_values["reference"])


def test_moments_sit_in_the_middle_of_their_period() -> None:
    assert moment("2026Q3") == pytest.approx(2026.625, abs=0.01)
    assert moment("2025") == pytest.approx(2025.5, abs=0.01)
    assert moment("2026-03") == pytest.approx(2026 + 2.5 / 12, abs=0.01)
