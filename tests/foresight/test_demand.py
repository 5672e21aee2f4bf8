"""Demand, index, zorgkloof and attribution against hand-computed cases (issue 16 items 3-5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight import compare, demand, outlook, workforce
from verkeerstoren.foresight.population import PopulationProjection, make_projection
from verkeerstoren.foresight.scenarios import PRESETS, Levers
from verkeerstoren.foresight.schemas import ComparisonIn, OutlookIn, SectorRatesIn


def _counts(years: int, growth: float = 0.0) -> np.ndarray:
    counts = np.zeros((years, 2, 19))
    for y in range(years):
        counts[y, 0, 0] = 100 * (1 + growth) ** y  # men aged 0-4
        counts[y, 1, 18] = 50 * (1 + growth) ** y  # women aged 90+
        counts[y, 0, 10] = 400  # men 50-54
        counts[y, 1, 17] = 20 * (1 + growth) ** y  # women 85-89
    return counts


def test_demand_is_rate_times_population_summed() -> None:
    projection = make_projection("GM0001", _counts(3, growth=0.1))
    rates = np.zeros((2, 19))
    rates[0, 0], rates[1, 18], rates[0, 10] = 2.0, 3.0, 0.5
    # 2024: 100×2 + 50×3 + 400×0.5 = 550; 2025: 110×2 + 55×3 + 200 = 585;
    # 2026: 121×2 + 60.5×3 + 200 = 623.5; two gemeenten alike: doubled
    got = demand.raw_demand([projection, projection], [rates, rates])
    assert got.tolist() == pytest.approx([1100.0, 1170.0, 1247.0])


def test_index_base_year_is_100() -> None:
    assert demand.index(np.array([550.0, 585.0, 620.25])).tolist() == pytest.approx(
        [100.0, 106.3636, 112.7727], rel=1e-5)


def test_mantelzorg_potential_is_50_74_per_85_plus() -> None:
    # 400 aged 50-54 and no one else 50-74; 50 + 20 aged 85+: 400 / 70.
    projection = make_projection("GM0001", _counts(1))
    assert demand.mantelzorg_potential(projection).tolist() == pytest.approx([400 / 70])


def test_zorgkloof_arithmetic() -> None:
    staff = workforce.Workforce("gp", persons=100, part_time_factor=0.5, vacancies_fte=10,
                                inflow_persons=5, outflow_percent=5, aged_55_59_percent=10,
                                aged_60_plus_percent=14)
    years = [2024, 2025, 2026]
    supply = workforce.supply_fte(staff, years, Levers())
    # persons: 100; 100 + 5 − 5 − 100×0.14/7 = 98; 98 + 5 − 4.9 − 2 = 96.1 → × 0.5 FTE each
    assert supply.tolist() == pytest.approx([50.0, 49.0, 48.05])
    needed = workforce.needed_fte(staff, np.array([100.0, 110.0, 121.0]), years, Levers())
    # (50 FTE + 10 vacancies) × demand growth
    assert needed.tolist() == pytest.approx([60.0, 66.0, 72.6])
    faster = workforce.needed_fte(staff, np.array([100.0, 110.0, 121.0]), years,
                                  Levers(productivity_percent=2))
    assert faster.tolist() == pytest.approx([60.0, 66.0 / 1.02, 72.6 / 1.02**2])


def _fake(growth: float = 0.02) -> Any:
    def project(session: Session, code: str, until: int = 2040,
                levers: Any = None) -> PopulationProjection:
        factor = levers.migration_factor if levers is not None else 1.0
        counts = np.ones((until - 2024 + 1, 2, 19)) * 1000
        for y in range(counts.shape[0]):
            counts[y, :, 13:] *= (1 + growth * factor) ** y
        return make_projection(code, counts)
    return project


def test_attribution_sums_to_the_difference(session: Session) -> None:
    result = compare.compare(session, ComparisonIn(area_code="GM0637", until=2035),
                             project=_fake())
    assert [s.outlook.scenario for s in result.scenarios] == [p.key for p in PRESETS]
    for s in result.scenarios:
        assert s.contributions
        assert sum(c.gap_fte_change for c in s.contributions) == pytest.approx(
            s.gap_fte_difference)
        assert s.outlook.gap_fte_total[-1] - result.reference.gap_fte_total[-1] == \
            pytest.approx(s.gap_fte_difference)


def test_outlook_with_entered_rates(session: Session) -> None:
    rates = SectorRatesIn(sector="nursing_home", unit="residents", male=[0.0] * 18 + [0.5])
    got = outlook.outlook(session, OutlookIn(area_code="GM0637", until=2026, rates=[rates]),
                          project=_fake(0.1))
    home = next(s for s in got.sectors if s.key == "nursing_home")
    # 1000 men and 1000 women aged 90+, growing 10 % a year, at 0.5 residents each
    assert home.demand == pytest.approx([1000.0, 1100.0, 1210.0])
    assert home.index[0] == 100.0
    assert home.rates_source == "rates entered by the region"
    assert got.sectors[0].workforce_invented


def test_negative_rate_is_refused_naming_the_field(session: Session) -> None:
    rates = SectorRatesIn(sector="gp", unit="visits", male=[1.0] * 18 + [-1.0])
    with pytest.raises(ValidationProblem) as error:
        outlook.outlook(session, OutlookIn(area_code="GM0637", rates=[rates]), project=_fake())
    assert error.value.field == "rates.gp.male"
    assert error.value.params["age"] == "90+"


def test_lever_outside_its_range_is_refused() -> None:
    with pytest.raises(ValidationProblem) as error:
        Levers(prevention_percent=31)
    assert error.value.field == "prevention_percent"


def test_unknown_area_is_refused(session: Session) -> None:
    with pytest.raises(ValidationProblem) as error:
        outlook.outlook(session, OutlookIn(area_code="GM9999"), project=_fake())
    assert error.value.field == "area_code"
