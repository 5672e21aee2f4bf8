"""The fit of future migration (inputs.MigrationModel) on a small hand-made case, computed by
hand in the comments."""

from __future__ import annotations

import polars as pl
import pytest

from verkeerstoren.foresight import inputs

YEARS = (2012, 2013, 2014)


def _frame() -> pl.DataFrame:
    rows: list[tuple[str, str, str, int, float]] = []
    # One gemeente of 1,000 inhabitants in a country of 10,000: its population share is 0.1.
    for i, year in enumerate(YEARS):
        rows += [("GM0001", "population_1jan", "", year, 1000.0),
                 ("GM0001", "population_31dec", "", year, 1000.0),
                 ("GM0001", "births", "", year, 10.0), ("GM0001", "deaths", "", year, 10.0),
                 # Immigration 20, 40, 60 (its own share of the national 100, 200, 300: 0.2);
                 # emigration 5 a year (0.1 of the national 50); moves between gemeenten
                 # 0, 10, 30 net: net migration 0 + 20 − 5, 10 + 40 − 5, 30 + 60 − 5.
                 ("GM0001", "immigration", "", year, 20.0 * (i + 1)),
                 ("GM0001", "emigration", "", year, 5.0),
                 ("GM0001", "net_migration", "", year, [15.0, 45.0, 85.0][i]),
                 ("NL01", "population_1jan", "", year, 10000.0),
                 ("NL01", "immigration", "", year, 100.0 * (i + 1)),
                 ("NL01", "emigration", "", year, 50.0)]
    rows += [("GM0001", inputs.BASE_INDICATOR, sub, 2015, 100.0) for sub in inputs.SUBGROUPS]
    return pl.DataFrame(rows, schema={"area_code": pl.String, "indicator": pl.String,
                                      "subgroup": pl.String, "year": pl.Int32,
                                      "value": pl.Float64}, orient="row")


def test_migration_is_a_damped_national_trend_shared_by_past_flows_and_population() -> None:
    obs = inputs.observe(_frame(), ["GM0001"])
    rates = inputs.fit(obs, 2012, 2014, inputs.MigrationModel(0.8, 0.5, 0.5)).rates
    # Moves between gemeenten smoothed with α 0.5: 0 → 0.5·10 + 0.5·0 = 5 → 0.5·30 + 0.5·5 = 17.5.
    # Immigration share 0.5·0.2 + 0.5·0.1 = 0.15 of the national line (300 in 2014, slope 100);
    # emigration 0.1 of a flat 50: 17.5 + 0.15·300 − 0.1·50 = 57.5 in 2015, the jump-off year.
    assert float(rates.net_migration[0]) == pytest.approx(57.5)
    assert rates.migration_trend is not None
    assert float(rates.migration_trend[0]) == pytest.approx(15.0)  # 0.15 × 100
    # Two years on: 57.5 + 15 · (0.8 + 0.64) = 79.1; never above 57.5 + 15 · 4 = 117.5.
    assert float(rates.migration(2)[0]) == pytest.approx(79.1)
    assert float(rates.migration(200)[0]) == pytest.approx(117.5)


def test_the_old_model_is_the_mean_of_moves_and_the_latest_trend_level() -> None:
    obs = inputs.observe(_frame(), ["GM0001"])
    rates = inputs.fit(obs, 2012, 2014, inputs.MigrationModel(0.0, 0.0, None)).rates
    # Mean of moves 40/3; own shares 0.2 and 0.1: 40/3 + 0.2·300 − 0.1·50, flat.
    assert float(rates.migration(5)[0]) == pytest.approx(40 / 3 + 60 - 5)


def test_without_the_national_population_a_gemeente_keeps_its_own_share_of_the_flows() -> None:
    frame = _frame().filter(~((pl.col("area_code") == "NL01")
                              & (pl.col("indicator") == "population_1jan")))
    rates = inputs.fit(inputs.observe(frame, ["GM0001"]), 2012, 2014).rates
    # 17.5 + 0.2·300 − 0.1·50 = 72.5, rising by 0.2 × 100 = 20 damped.
    assert float(rates.net_migration[0]) == pytest.approx(72.5)
    assert rates.migration_trend is not None
    assert float(rates.migration_trend[0]) == pytest.approx(20.0)
