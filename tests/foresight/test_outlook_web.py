"""Demand, zorgkloof and scenario pages and API: Dutch pages, exports, clear refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight import population, service
from verkeerstoren.foresight.population import PopulationProjection, make_projection

Login = Callable[[str], Browser]


def fake_project(session: Session, code: str, until: int = 2040,
                 levers: Any = None) -> PopulationProjection:
    """An ageing population: the 65+ groups grow 3 % a year, everyone else stays."""
    factor = levers.migration_factor if levers is not None else 1.0
    counts = np.ones((until - 2024 + 1, 2, 19)) * 1000
    for y in range(counts.shape[0]):
        counts[y, :, 13:] *= 1.03 ** y
        counts[y, :, :13] *= 1 + 0.002 * (factor - 1) * y
    return make_projection(code, counts, method="fake", assumptions=("a fake population",))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(population, "project_area", fake_project)


@pytest.mark.usefixtures("fake")
def test_demand_page_in_dutch_with_charts_and_export(login: Login) -> None:
    browser = login("viewer")
    page = browser.get("/foresight/demand", params={"area": "RG_Haaglanden"})
    assert page.status_code == 200, page.text[-2000:]
    for text in ("Zorgvraag en zorgkloof", "Huisartsenzorg", "Wijkverpleging", "zorgkloof",
                 "Mantelzorgpotentieel", "verzonnen", "spec-demand", "spec-gap"):
        assert text in page.text, text
    csv = browser.get("/foresight/demand", params={"area": "GM0637", "scenario": "combined",
                                                   "format": "csv"})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Wijkverpleging" in csv.content.decode("utf-8-sig")
    xlsx = browser.get("/foresight/demand", params={"area": "GM0637", "format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


@pytest.mark.usefixtures("fake")
def test_scenario_page_shows_three_scenarios_and_attribution(login: Login) -> None:
    page = login("viewer").get("/foresight/scenarios", params={"area": "RG_Gooi_en_Vechtstreek"})
    assert page.status_code == 200, page.text[-2000:]
    for text in ("Beleidsarm", "Preventie en de juiste zorg op de juiste plek",
                 "Arbeidsmarkt: behouden en aantrekken", "Regioplan: alles samen",
                 "Wat elke knop bijdraagt", "spec-comparison"):
        assert text in page.text, text


def test_bad_area_and_scenario_are_refused(login: Login) -> None:
    browser = login("viewer")
    assert browser.get("/foresight/demand", params={"area": "XX"}).status_code == 422
    assert browser.get("/foresight/demand", params={"area": "GM0637",
                                                    "scenario": "magic"}).status_code == 422


@pytest.mark.usefixtures("fake")
def test_api_outlook_compare_and_measures(login: Login) -> None:
    browser = login("analyst")
    answer = browser.post("/api/v1/foresight/demand", json={
        "area_code": "GM0637", "until": 2030, "levers": {"prevention_percent": 10}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["years"][0] == 2024
    assert body["years"][-1] == 2030
    assert all(s["index"][0] == 100 for s in body["sectors"])
    compared = browser.post("/api/v1/foresight/scenarios/compare",
                            json={"area_code": "GM0637", "until": 2030})
    assert compared.status_code == 200, compared.text
    for s in compared.json()["scenarios"]:
        assert sum(c["gap_fte_change"] for c in s["contributions"]) == pytest.approx(
            s["gap_fte_difference"])
    measures = browser.get("/api/v1/foresight/measures").json()
    assert {m["key"] for m in measures} >= {"gap_fte_total", "mantelzorg_potential",
                                            "beds_95.multifunctional"}
    value = browser.get("/api/v1/foresight/measures/demand_index.gp",
                        params={"area_code": "GM0637", "year": 2024})
    assert value.status_code == 200
    assert value.json()["value"] == pytest.approx(100)


@pytest.mark.parametrize(("body", "field"), [
    ({"area_code": "GM0637", "levers": {"prevention_percent": 31}}, "prevention_percent"),
    ({"area_code": "GM0637", "levers": {"migration_factor": -1}}, "migration_factor"),
    ({"area_code": "GM0637", "rates": [{"sector": "gp", "unit": "visits",
                                        "male": [1.0] * 18}]}, "male"),
    ({"area_code": "GM0637", "rates": [{"sector": "gp", "unit": "visits",
                                        "male": [1.0] * 18 + [-2.0]}]}, "rates.gp.male"),
    ({"area_code": "GM9999"}, "area_code"),
    ({"area_code": "GM0637", "until": 2050}, "until"),
])
@pytest.mark.usefixtures("fake")
def test_bad_input_is_refused_naming_the_field(login: Login, body: dict[str, object],
                                               field: str) -> None:
    answer = login("analyst").post("/api/v1/foresight/demand", json=body)
    assert answer.status_code == 422, answer.text
    assert field in answer.text


@pytest.mark.usefixtures("fake")
def test_beds_per_year_grow_with_the_age_group(login: Login) -> None:
    answer = login("analyst").post("/api/v1/foresight/beds", json={
        "area_code": "GM0637", "bed_type": "multifunctional", "arrivals_per_day": 2,
        "mean_stay_days": 10, "until": 2034})
    assert answer.status_code == 200, answer.text
    years = answer.json()["years"]
    # 75+ grows 3 % a year: arrivals 2 × 1.03^10 in 2034
    assert years[-1]["arrivals_per_day"] == pytest.approx(2 * 1.03**10)
    assert years[0]["beds_95"] <= years[-1]["beds_95"]
    assert all(y["beds_95"] <= y["beds_99"] for y in years)


@pytest.mark.usefixtures("fake")
def test_a_stay_shorter_than_an_hour_is_refused_and_an_hour_gives_numbers(login: Login) -> None:
    # Found by the API fuzzer: a stay of 5e-324 days made the arrivals derived from the
    # registered beds infinite, sent as null where the schema promised a number.
    analyst = login("analyst")
    body = {"area_code": "GM0637", "bed_type": "multifunctional", "until": 2030}
    refused = analyst.post("/api/v1/foresight/beds", json={**body, "mean_stay_days": 5e-324})
    assert refused.status_code == 422, refused.text
    assert "mean_stay_days" in refused.text
    answer = analyst.post("/api/v1/foresight/beds", json={**body, "mean_stay_days": 1 / 24})
    assert answer.status_code == 200, answer.text
    assert all(isinstance(y["arrivals_per_day"], float) for y in answer.json()["years"])
    planned = analyst.post("/api/v1/planning/beds", json={
        "bed_type": "multifunctional", "mean_stay_days": 1e-9, "simulate_years": 0})
    assert planned.status_code == 422, planned.text


def test_unknown_measure_is_refused(session: Session) -> None:
    from verkeerstoren.errors import ValidationProblem

    with pytest.raises(ValidationProblem) as error:
        service.forecast_value(session, "GM0637", "nonsense", 2030)
    assert error.value.field == "measure_key"


@pytest.mark.usefixtures("fake")
def test_the_strategic_dashboard_loads_the_forecast_panel(login: Login) -> None:
    browser = login("viewer")
    dashboard = browser.get("/kpi")
    assert dashboard.status_code == 200
    assert 'hx-get="/foresight/panel"' in dashboard.text
    panel = browser.get("/foresight/panel")
    assert panel.status_code == 200, panel.text[-2000:]
    assert "Zorgkloof 2030" in panel.text
    assert "Haaglanden" in panel.text


def test_the_charts_are_valid_vega_lite(session: Session) -> None:
    import vl_convert as vlc

    from verkeerstoren.foresight import compare, outlook, outlook_charts
    from verkeerstoren.foresight.schemas import ComparisonIn, OutlookIn
    from verkeerstoren.web.i18n import translator

    _ = translator("nl")
    result = outlook.outlook(session, OutlookIn(area_code="GM0637", until=2030),
                             project=fake_project)
    compared = compare.compare(session, ComparisonIn(area_code="GM0637", until=2030),
                               project=fake_project)
    for spec in (outlook_charts.demand_spec(result, _), outlook_charts.gap_spec(result, _),
                 outlook_charts.comparison_spec(compared, _)):
        svg = vlc.vegalite_to_svg(spec)
        assert "<svg" in svg
        assert "Methode" in svg


@pytest.mark.usefixtures("fake")
def test_forecast_values_for_the_monitoring(session: Session) -> None:
    # The fake population: 2 × 19 groups of 1,000, the 65+ (6 groups each sex) growing 3 %.
    aged = service.forecast_value(session, "GM0637", "population_65plus", 2030)
    assert aged == pytest.approx(12 * 1000 * 1.03**6)
    # 50-74: five groups per sex, of which 65-74 (two) grow; 85+: two groups per sex, growing.
    carers = 2 * (3 * 1000 + 2 * 1000 * 1.03**6)
    assert service.forecast_value(session, "GM0637", "mantelzorg_potential", 2030) == \
        pytest.approx(carers / (4 * 1000 * 1.03**6))
    reference = service.forecast_value(session, "GM0637", "gap_fte_total", 2035)
    combined = service.forecast_value(session, "GM0637", "gap_fte_total", 2035, "combined")
    assert combined < reference
    labels = dict((k, label) for k, label, _ in service.forecast_measures())
    assert labels["demand_index.district_nursing"] == "Zorgvraagindex: Wijkverpleging"
    with pytest.raises(ValidationProblem) as error:
        service.forecast_value(session, "GM0637", "gap_fte_total", 2050)
    assert error.value.field == "year"
