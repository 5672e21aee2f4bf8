"""The backtests of issue 16 item 2 from the real files in ../shared/data, beside naive
baselines computed here independently from the raw CSV (csv module, no loader)."""

from __future__ import annotations

import csv
import json
from functools import cache

import polars as pl
import pytest

from tests.opendata.fixtures import DATA_DIR, parsed_defaults
from verkeerstoren.foresight import backtest, inputs

# The demo regions' gemeenten (demo.areas: Haaglanden selection and Gooi en Vechtstreek).
DEMO = ("GM0317", "GM0376", "GM0402", "GM0406", "GM0417", "GM0518", "GM0603", "GM0629",
        "GM0637", "GM1696", "GM1916", "GM1942")
KEYS = ("vektis_zvw", "cbs_population_dynamics", "cbs_kerncijfers", "pdok_gemeenten")


@cache
def _figures() -> pl.DataFrame:
    frames = []
    for p in parsed_defaults():
        if p.key in KEYS and p.values is not None:
            values = p.values
            if p.key == "cbs_kerncijfers":  # kerncijfers count deaths too; dynamics are the source
                values = values.filter(pl.col("indicator").str.starts_with("pct_age"))
            frames.append(values)
    return pl.concat(frames)


@cache
def _observed() -> inputs.Observed:
    figures = _figures()
    codes = sorted(set(figures.filter(pl.col("indicator") == inputs.BASE_INDICATOR)
                       ["area_code"].to_list()))
    return inputs.observe(figures, codes)


@cache
def _raw_totals() -> dict[str, dict[int, tuple[float, float]]]:
    """Region → year → (population 1 January, population 31 December), read from the raw CSV."""
    out: dict[str, dict[int, tuple[float, float]]] = {}
    path = (DATA_DIR / "cbs_population_dynamics_2012_2023"
            / "250112_CLEAN_population_regional_NL.csv")
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            first, last = row["PopulationOn1January_1"], row["PopulationOn31December_20"]
            if row["Sex"] != "T001038" or not row["Regions"].startswith("GM") \
                    or not first or not last:
                continue
            out.setdefault(row["Regions"].strip(), {})[int(row["Periods"][:4])] = (
                float(first), float(last))
    return out


def _naive_mape(codes: list[str]) -> float:
    """Constant growth rate 2012→2019 continued to 1 January 2024, against 31 Dec 2023."""
    raw = _raw_totals()
    errors = []
    for code in codes:
        years = raw[code]
        p12, p19, actual = years[2012][0], years[2019][0], years[2023][1]
        naive = p19 * (p19 / p12) ** (5 / 7)
        errors.append(abs(naive - actual) / actual * 100)
    return float(sum(errors) / len(errors))


@cache
def _full_series() -> list[str]:
    return sorted(c for c, years in _raw_totals().items() if len(years) == 12)


def _demo_full() -> list[str]:
    return [c for c in DEMO if c in _full_series()]  # Gooise Meren exists from 2016 only


def test_total_population_backtest_over_the_demo_regions_misses_the_target() -> None:
    result = backtest.total_population(_observed())
    demo_full = _demo_full()
    assert len(demo_full) == 11
    raw = _raw_totals()
    # The model is compared with CBS's count on 31 December 2023, read here from the raw file.
    for code in demo_full:
        assert result.actual[result.codes.index(code)] == raw[code][2023][1]
    model, naive, n = result.mape(demo_full)
    assert n == 11
    # The baseline as the issue states it (about 1.6 %), computed from the raw file here.
    assert naive == pytest.approx(_naive_mape(demo_full), abs=1e-9)
    assert naive == pytest.approx(1.59, abs=0.01)
    # Issue 16 asks for <= 1.2 %. The variant chosen on the validation (below) scores 2.44 %:
    # worse than the naive baseline on these 11 (docs/foresight.md, "Variants", says why).
    assert model == pytest.approx(2.44, abs=0.01)
    assert model > naive


def test_total_population_backtest_over_every_gemeente_with_a_full_series() -> None:
    result = backtest.total_population(_observed())
    full = [c for c in _full_series() if c in result.codes]
    model, naive, n = result.mape(full)
    assert n == 313  # the few left out have no Vektis 2015 age structure under their code
    assert naive == pytest.approx(_naive_mape(full), abs=1e-9)
    assert model < naive - 0.7  # 2.06 % against 2.85 %


def _naive_validation_mape(codes: list[str], first: int, last: int) -> float:
    """The growth rate first → last + 1 continued to 1 January 2019, from the raw file."""
    raw = _raw_totals()
    errors = []
    for code in codes:
        start, jump, actual = raw[code][first][0], raw[code][last + 1][0], raw[code][2019][0]
        naive = jump * (jump / start) ** ((2019 - last - 1) / (last + 1 - first))
        errors.append(abs(naive - actual) / actual * 100)
    return float(sum(errors) / len(errors))


def test_the_model_beats_the_naive_baseline_on_the_validation_it_was_chosen_on() -> None:
    tested = backtest.total_population(_observed()).codes
    full = [c for c in _full_series() if c in tested]
    for (first, last), result in zip(backtest.VALIDATION_FITS,
                                     backtest.validation(_observed()), strict=True):
        model, naive, n = result.mape(full)
        assert n == 313
        assert naive == pytest.approx(_naive_validation_mape(full, first, last), abs=1e-9)
        assert model < naive - 0.6


def test_the_default_variant_is_the_one_the_validation_rule_picks() -> None:
    """The rule of docs/foresight.md: the lowest mean validation MAPE over every gemeente with
    a full series, among the variants whose trend stays bounded (damping <= 0.8)."""
    obs = _observed()
    tested = backtest.total_population(obs).codes
    full = [c for c in _full_series() if c in tested]

    def score(model: inputs.MigrationModel) -> float:
        return sum(r.mape(full)[0] for r in backtest.validation(obs, model)) / 2

    grid = [inputs.MigrationModel(d, m, s) for d in (0.0, 0.5, 0.8) for m in
            (0.0, 0.25, 0.5, 0.75, 1.0) for s in (None, 0.5)]
    best = min(grid, key=score)
    assert best == inputs.MigrationModel()
    assert score(best) < score(inputs.MigrationModel(0.0, 0.0, None)) - 0.15  # the old model


def _pdok_shares() -> dict[str, float]:
    path = DATA_DIR / "pdok_cbs_gemeenten_wijken_2024" / "gemeenten_2024.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["gemeentecode"]: float(f["properties"]["65plus"])
            for f in features if f["properties"].get("65plus") is not None}


def _kerncijfers_shares() -> dict[str, float]:
    path = (DATA_DIR / "cbs_regionale_kerncijfers_2015"
            / "70072ned_UntypedDataSet_06062018_000805.csv")
    shares = {}
    with path.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            a, b = row["k_65Tot80Jaar_20"].strip(), row["k_80JaarOfOuder_21"].strip()
            if a and b and a != "." and b != ".":
                shares[row["RegioS"].strip()] = float(a) + float(b)
    return shares


def test_ageing_forecast_beats_holding_the_2015_share_constant_but_misses_the_target() -> None:
    late, early = _pdok_shares(), _kerncijfers_shares()
    result = backtest.ageing(_observed(), early, late)
    demo = [c for c in DEMO if c in result.codes]
    assert len(demo) == 11  # Gooise Meren has no 2015 kerncijfers row of its own
    model, naive, _ = result.mape(demo)
    independent = sum(abs(early[c] - late[c]) / late[c] * 100 for c in demo) / len(demo)
    assert naive == pytest.approx(independent, abs=1e-9)
    assert naive == pytest.approx(10.0, abs=0.1)  # "about 10 %" in the issue
    # A true forecast from 2015 (fitted on 2012-2014): 8.1 % on the demo, 5.4 % over the
    # Netherlands; the 5 % is missed on both.
    assert model == pytest.approx(8.11, abs=0.01)
    assert 5.0 < model < naive
    everywhere = [c for c in result.codes if c in _full_series()]
    model_nl, naive_nl, n = result.mape(everywhere)
    assert n == 313
    assert model_nl == pytest.approx(5.37, abs=0.01)
    assert 5.0 < model_nl < naive_nl / 2  # naive 14.6 %
    # Context: the 2024 share is published in whole percent. A perfect forecast is off from it
    # by up to half a point, a quarter on average: its expected MAPE from the rounding alone.
    rounding = sum(25.0 / late[c] for c in everywhere) / len(everywhere)
    assert rounding == pytest.approx(1.13, abs=0.01)
    assert rounding < model_nl


def test_ageing_with_the_observed_totals_meets_the_target_over_the_netherlands() -> None:
    """Not a forecast: the 2015 structure aged with the births, deaths and migration CBS
    counted in 2015-2023 places the 65-plussers within 5 % over the Netherlands, not on the
    demo (Laren's care homes, young families in Blaricum and Eemnes)."""
    late, early = _pdok_shares(), _kerncijfers_shares()
    result = backtest.ageing_observed(_observed(), early, late)
    demo = [c for c in DEMO if c in result.codes]
    model, naive, _ = result.mape(demo)
    assert 5.0 < model < naive
    model_nl, _, n = result.mape([c for c in result.codes if c in _full_series()])
    assert n == 313
    assert model_nl < 5.0
