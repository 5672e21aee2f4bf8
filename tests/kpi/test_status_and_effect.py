"""The status rule and the effect statistics: pure functions, read like the page explains them."""

from __future__ import annotations

from datetime import date

from verkeerstoren.kpi.effect import effect_of
from verkeerstoren.kpi.models import Direction
from verkeerstoren.kpi.periods import last_complete_quarter, parse_period
from verkeerstoren.kpi.status import Status, Target, judge

TARGETS = [Target(2025, 95.0), Target(2030, None, "Nader in te vullen")]


def test_meeting_the_target_is_on_track_and_missing_it_within_tolerance_is_at_risk() -> None:
    up = {"direction": Direction.UP, "targets": TARGETS, "tolerance": 5.0, "year": 2025}
    assert judge(96.0, **up).status is Status.ON_TRACK  # type: ignore[arg-type]
    assert judge(91.0, **up).status is Status.AT_RISK  # type: ignore[arg-type]
    assert judge(80.0, **up).status is Status.OFF_TRACK  # type: ignore[arg-type]


def test_lower_is_better_mirrors_the_rule_and_the_default_tolerance_is_five_percent() -> None:
    targets = [Target(2025, 24.0)]
    assert judge(20.0, year=2025, direction=Direction.DOWN, targets=targets,
                 tolerance=None).status is Status.ON_TRACK
    assert judge(25.0, year=2025, direction=Direction.DOWN, targets=targets,
                 tolerance=None).status is Status.AT_RISK  # 24 + 5% = 25.2
    assert judge(30.0, year=2025, direction=Direction.DOWN, targets=targets,
                 tolerance=None).status is Status.OFF_TRACK


def test_three_values_sliding_the_wrong_way_turn_on_track_into_at_risk() -> None:
    verdict = judge(96.0, year=2025, direction=Direction.UP, targets=TARGETS, tolerance=5.0,
                    history=[99.0, 98.0])
    assert verdict.status is Status.AT_RISK
    assert "three times" in verdict.reason


def test_no_value_no_numeric_target_or_a_narrative_is_no_data_with_a_reason() -> None:
    assert judge(None, year=2025, direction=Direction.UP, targets=TARGETS,
                 tolerance=None).status is Status.NO_DATA
    later = judge(50.0, year=2026, direction=Direction.UP,
                  targets=[Target(2030, None, "Nader in te vullen")], tolerance=None)
    assert later.status is Status.NO_DATA
    assert "to be determined" in later.reason
    assert judge(None, year=2025, direction=Direction.NONE, targets=[], tolerance=None,
                 qualitative=True).status is Status.NO_DATA


def test_periods_parse_years_quarters_and_months_and_refuse_the_rest() -> None:
    assert parse_period("2026Q3").end == date(2026, 9, 30)
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert parse_period("2025").start == date(2025, 1, 1)
    assert last_complete_quarter(date(2026, 11, 23)).label == "2026Q3"
    for wrong in ("2026Q5", "2026-13", "26Q1", "Q3"):
        try:
            parse_period(wrong)
        except ValueError:
            continue
        raise AssertionError(wrong)


def _series(before: list[float], after: list[float]) -> list[tuple[date, float]]:
    quarters = [parse_period(f"{2020 + i // 4}Q{i % 4 + 1}") for i in range(len(before) +
                                                                           len(after))]
    return [(q.start, v) for q, v in zip(quarters, before + after, strict=True)]


def test_too_few_points_are_said_plainly() -> None:
    points = _series([10.0, 11.0], [20.0, 21.0, 19.0])
    result = effect_of(points, points[2][0])
    assert result.means is None
    assert result.its is None
    assert result.message is not None
    assert "Too few" in result.message


def test_a_clear_level_shift_shows_in_both_analyses() -> None:
    before = [30.0, 31.0, 29.5, 30.5, 30.2]
    after = [20.0, 20.5, 19.5, 20.2, 19.8]
    points = _series(before, after)
    result = effect_of(points, points[5][0])
    assert result.means is not None
    assert result.its is not None
    assert result.means.ci_high < 0 < 12  # the interval lies entirely below zero
    assert -12 < result.its.level_change < -8
