"""The cohort-component model against small cases computed by hand (issue 16, tests that
matter): one cohort aged by one step, births into the first group, deaths and migration."""

from __future__ import annotations

import numpy as np
import pytest

from verkeerstoren.foresight import cohort
from verkeerstoren.foresight.population import AGE_GROUPS, make_projection


def _groups(**cells: float) -> np.ndarray:
    """One area, counts by (sex, group index) given as m13=… / f0=…."""
    x = np.zeros((1, 2, 19))
    for key, value in cells.items():
        x[0, 0 if key[0] == "m" else 1, int(key[1:])] = value
    return x


def test_the_age_groups_are_vektis_five_year_classes_up_to_90_plus() -> None:
    assert len(AGE_GROUPS) == 19
    assert AGE_GROUPS[0] == "0-4"
    assert AGE_GROUPS[13] == "65-69"
    assert AGE_GROUPS[-1] == "90+"


def test_one_cohort_ages_one_year_a_fifth_moves_to_the_next_group() -> None:
    # 1000 men aged 60-64, spread evenly: 200 per single year; after one year without deaths
    # or migration the 200 aged 64 are 65, the rest is still 60-64 (800), one year older.
    x = cohort.step(cohort.to_ages(_groups(m12=1000.0)), np.zeros(1), np.zeros(1), np.zeros(1))
    after = cohort.to_groups(x)
    assert after[0, 0, 12] == pytest.approx(800.0)
    assert after[0, 0, 13] == pytest.approx(200.0)
    assert after.sum() == pytest.approx(1000.0)
    # Five steps later the whole cohort is 65-69 (single ages keep it together), none of it
    # left behind or run ahead.
    for _ in range(4):
        x = cohort.step(x, np.zeros(1), np.zeros(1), np.zeros(1))
    after = cohort.to_groups(x)
    assert after[0, 0, 13] == pytest.approx(1000.0)
    assert after[0, 0, 12] == pytest.approx(0.0, abs=1e-9)


def test_the_oldest_group_is_open_ended() -> None:
    x = cohort.to_ages(_groups(f18=300.0, f17=500.0))
    after = cohort.to_groups(cohort.step(x, np.zeros(1), np.zeros(1), np.zeros(1)))
    assert after[0, 1, 18] == pytest.approx(300.0 + 100.0)  # 90+ keeps all, gains the 89s
    assert after[0, 1, 17] == pytest.approx(400.0)


def test_births_go_into_the_first_group_split_105_boys_per_100_girls() -> None:
    x = cohort.to_ages(_groups())
    after = cohort.to_groups(cohort.step(x, np.array([1000.0]), np.zeros(1), np.zeros(1)))
    assert after[0, 0, 0] == pytest.approx(512.0)
    assert after[0, 1, 0] == pytest.approx(488.0)
    assert after[0, :, 1:].sum() == 0.0


def test_deaths_apply_the_schedule_times_the_areas_factor() -> None:
    # 1000 women aged 80-84 at the schedule's 43 per 1000, factor 2: 86 die, and a fifth of
    # the survivors (the 84-year-olds) become 85.
    x = cohort.to_ages(_groups(f16=1000.0))
    after = cohort.to_groups(cohort.step(x, np.zeros(1), np.array([2.0]), np.zeros(1)))
    survivors = 1000.0 * (1 - 2 * 43.0 / 1000)
    assert after.sum() == pytest.approx(survivors)
    assert after[0, 1, 17] == pytest.approx(survivors / 5)


def test_net_migration_is_spread_by_the_rogers_castro_profile_and_never_below_zero() -> None:
    profile = cohort.to_groups(cohort.MIGRATION)
    assert profile.sum() == pytest.approx(1.0)
    assert profile[0].sum() == pytest.approx(0.5)  # the same for men and women
    peak = int(np.argmax(profile[0]))
    assert AGE_GROUPS[peak] == "20-24"  # the labour-migration peak of the model schedule
    x = cohort.to_ages(_groups(m5=100.0))
    arrived = cohort.step(x, np.zeros(1), np.zeros(1), np.array([1000.0]))
    assert arrived.sum() == pytest.approx(1100.0)
    left = cohort.step(x, np.zeros(1), np.zeros(1), np.array([-1_000_000.0]))
    assert left.min() == 0.0  # nobody emigrates who is not there


def test_projection_with_constant_rates_matches_a_hand_computed_two_year_run() -> None:
    # Women 25-29 only, fertility 1 (births = Σ women × shape = 1000 × 0.26), no deaths.
    x = cohort.to_ages(_groups(f5=1000.0))
    rates = cohort.Rates(np.zeros(1), np.ones(1), np.zeros(1))
    out = cohort.project(x, rates, 2)
    assert out.shape == (3, 1, 2, 19)
    assert out[1, 0, :, 0].sum() == pytest.approx(260.0)
    # Year two: 200 of the women are 30 now (shape 0.39 at 30-34), 800 still 25-29 (0.26).
    assert out[2, 0, :, 0].sum() == pytest.approx(260.0 + 800 * 0.26 + 200 * 0.39)


def test_a_damped_migration_trend_adds_a_shrinking_step_each_year() -> None:
    # Net migration 100 in the jump-off year, slope 40 a year, damping 0.5: 100, then
    # 100 + 40 × 0.5 = 120, then 100 + 40 × (0.5 + 0.25) = 130; never above 100 + 40.
    rates = cohort.Rates(np.zeros(1), np.zeros(1), np.array([100.0]), np.array([40.0]), 0.5)
    assert [float(rates.migration(k)[0]) for k in range(3)] == [100.0, 120.0, 130.0]
    assert float(rates.migration(60)[0]) == pytest.approx(140.0)
    # No deaths, no births: the population grows by exactly the migration of each year.
    x = cohort.to_ages(_groups(m5=1000.0))
    out = cohort.project(x, rates, 3)
    assert out.sum(axis=(1, 2, 3)).tolist() == pytest.approx([1000.0, 1100.0, 1220.0, 1350.0])
    assert out[1:].sum(axis=(1, 2, 3)).tolist() == pytest.approx(
        cohort.project(x, rates, 3, migration_factor=2.0)[1:].sum(axis=(1, 2, 3))
        - np.array([100.0, 220.0, 350.0]))


def test_a_hand_made_projection_sums_totals_and_age_bands() -> None:
    counts = np.ones((2, 2, 19))
    p = make_projection("GM0637", counts, base_year=2024)
    assert p.years == (2024, 2025)
    assert p.total().tolist() == [38.0, 38.0]
    assert p.aged(65).tolist() == [12.0, 12.0]  # 6 groups × 2 sexes
    assert p.aged(80).tolist() == [6.0, 6.0]
    assert p.aged(65, 79).tolist() == [6.0, 6.0]
    with pytest.raises(ValueError, match="5-year"):
        p.aged(66)
    with pytest.raises(ValueError, match="shape"):
        make_projection("X", np.ones((2, 19)))
