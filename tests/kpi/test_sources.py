"""Issue 15 items 2, 3 and 8: KPIs bound to their source, computed per area, and the goal tree
as the seeds give it. Figures are checked against the raw files, read here independently."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.kpi.conftest import TODAY, ensure_kpi_demo
from tests.opendata.fixtures import DATA_DIR, load_region
from verkeerstoren.access.actor import system_actor
from verkeerstoren.errors import ValidationErrors
from verkeerstoren.kpi import computing, seeds, service, sources
from verkeerstoren.kpi.models import Indicator, Measurement, MeasurementSource
from verkeerstoren.kpi.periods import parse_period
from verkeerstoren.kpi.schemas import MeasurementIn
from verkeerstoren.placement.models import (
    Financing,
    PlacementRequest,
    RequestStatus,
    UnplacedReason,
    Urgency,
)
from verkeerstoren.registry.models import Gemeente, Organisation, Region

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
RIVM = DATA_DIR / "rivm_gezondheid_wijk_buurt_2016_2020"
VEKTIS_2023 = DATA_DIR / "vektis_zvw_gemeente_2023_benchmark"


def _seed_text(prefix: str) -> str:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return " ".join(path.read_text(encoding="utf-8").split())


def _rivm(year: int, area: str, column: str) -> float:
    path = RIVM / f"gezondheid_wijk_buurt_{year}_18plus.csv"
    with path.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["WijkenEnBuurten"].strip() == area:
                return float(row[column])
    raise AssertionError(f"{area} not in {path.name}")


def _vektis_2023(file: str, column: str, category: str | None = None) -> float:
    with (VEKTIS_2023 / file).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["gemeentenaam"] == "ZOETERMEER" and (
                    category is None or row["care_category"] == category):
                return float(row[column])
    raise AssertionError("ZOETERMEER not found")


def _series(session: Session, code: str) -> dict[str, Measurement]:
    indicator = session.scalar(select(Indicator).where(Indicator.code == code))
    assert indicator is not None
    return {m.period: m for m in session.scalars(select(Measurement).where(
        Measurement.indicator_id == indicator.id, Measurement.area_code == ""))}


@pytest.fixture
def bound(session: Session) -> Session:
    ensure_kpi_demo(session)
    load_region(session, ("rivm_health_18plus", "vektis_zvw", "vektis_benchmark",
                          "vektis_categories", "nza_ggz"))
    sources.refresh(session, system_actor("test"), today=TODAY)
    return session


# --- item 2: bound to a source ---------------------------------------------------------------


def test_ervaren_gezondheid_is_the_rivm_figure_of_its_own_year(bound: Session) -> None:
    series = _series(bound, "G1")
    assert sorted(series) == ["2016", "2020"]  # the monitor's years, no invented 2022/2024
    for year in (2016, 2020):
        m = series[str(year)]
        assert m.value == _rivm(year, "GM0637", "ErvarenGezondheidGoedZeerGoed_4")
        assert m.source is MeasurementSource.SOURCE
        assert not m.is_demo
        assert f"gezondheid_wijk_buurt_{year}_18plus.csv" in (m.note or "")
        assert "50090NED" in (m.note or "")
    assert (series["2016"].value, series["2020"].value) == (74.5, 77.7)


@pytest.mark.parametrize(("code", "area", "column"), [
    ("G2", "GM0637", "VoldoetAanBeweegrichtlijn_5"),
    ("G3", "GM0637", "Overgewicht_9"),
    ("G4", "GM0637", "EenOfMeerLangdurigeAandoeningen_16"),
    ("G5", "WK063701", "ErvarenGezondheidGoedZeerGoed_4"),  # Meerzicht, low SES (seed 003)
    ("G6", "WK063702", "ErvarenGezondheidGoedZeerGoed_4"),  # Buytenwegh de Leyens
])
def test_health_indicators_carry_the_rivm_figures(bound: Session, code: str, area: str,
                                                 column: str) -> None:
    series = _series(bound, code)
    assert {p: m.value for p, m in series.items()} == {
        "2016": _rivm(2016, area, column), "2020": _rivm(2020, area, column)}


def test_costs_come_from_vektis_2023(bound: Session) -> None:
    c2 = _series(bound, "C2")
    assert c2["2023"].value == pytest.approx(
        _vektis_2023("municipality_benchmark.csv", "actual_cost_per_insured_year"))
    c6 = _series(bound, "C6")
    assert c6["2023"].value == pytest.approx(_vektis_2023(
        "category_breakdown_all_municipalities.csv", "actual_cost_share_percent",
        "Medical specialist care"))
    assert "category_breakdown_all_municipalities.csv" in (c6["2023"].note or "")


def test_ggz_waits_come_from_the_nza_collections(bound: Session) -> None:
    series = _series(bound, "H3")
    assert set(series) <= {"2016", "2018"}
    assert "2018" in series
    assert "NZa" in (series["2018"].note or "")
    assert all(m.source is MeasurementSource.SOURCE for m in series.values())


def test_a_bound_indicator_refuses_a_typed_value(bound: Session) -> None:
    with pytest.raises(ValidationErrors) as caught:
        service.record_measurement(bound, system_actor("test"), MeasurementIn(
            indicator="G1", period="2024", value=71.6), today=TODAY)
    assert caught.value.problems[0].field == "indicator"
    assert _series(bound, "G1")["2020"].value == 77.7


def test_the_api_and_the_page_refuse_a_typed_value_for_a_bound_indicator(
    bound: Session, login: object,
) -> None:
    analyst: Browser = login("analyst")  # type: ignore[operator]
    answer = analyst.post("/api/v1/kpi/measurements",
                          json={"indicator": "G1", "period": "2024", "value": 71.6})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "indicator"
    page = analyst.post("/kpi/enter", data={"indicator": "K7", "period": "2026Q3",
                                            "area": "", "value": "99",
                                            "csrf_token": analyst.csrf})
    assert page.status_code == 422
    assert "is gekoppeld aan een bron" in page.text
    assert "niet met de hand worden ingevoerd" in page.text


def test_an_unbound_indicator_still_takes_a_typed_value(bound: Session) -> None:
    m = service.record_measurement(bound, system_actor("test"), MeasurementIn(
        indicator="C4", period="2026", value=20.0), today=date(2026, 11, 23))
    assert m.source is MeasurementSource.MANUAL


def test_a_new_source_kind_is_one_entry_in_the_registry(
    bound: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A later "forecast" kind: one resolver in KINDS, and refresh reads it."""
    def forecast(session: Session, params: Mapping[str, str]) -> list[sources.Sourced]:
        return [sources.Sourced(2025, 3.5, f"forecast {params['measure']}")]

    monkeypatch.setitem(sources.KINDS, "forecast",
                        sources.SourceKind("Forecast", forecast, ("area", "measure")))
    c1 = bound.scalar(select(Indicator).where(Indicator.code == "C1"))
    assert c1 is not None
    c1.source_kind, c1.source_params = "forecast", {"area": "GM0637", "measure": "acute"}
    sources.refresh(bound, system_actor("test"), today=TODAY)
    series = _series(bound, "C1")
    assert {p: m.value for p, m in series.items()} == {"2025": 3.5}  # invented values gone
    assert sources.is_bound(c1)


def test_the_demo_invents_values_only_where_no_source_exists(session: Session) -> None:
    ensure_kpi_demo(session)
    invented = session.scalars(select(Indicator.code).join(
        Measurement, Measurement.indicator_id == Indicator.id).where(
        Measurement.source == MeasurementSource.MANUAL, Measurement.is_demo.is_(True))
        .distinct()).all()
    bound_codes = {s.code for g in seeds.GOALS for s in g.indicators if s.binding}
    assert bound_codes >= {"G1", "G2", "G3", "C2", "C6", "H3"}
    assert not bound_codes & set(invented)


# --- item 3: computed per area --------------------------------------------------------------


def _unplaced_in(session: Session, gemeente: str, closed: datetime) -> None:
    referrer = session.scalar(select(Organisation.id).order_by(Organisation.id))
    session.execute(insert(PlacementRequest), [{
        "pseudonym": f"test-{gemeente}-{n}", "birth_year": 1940, "sex": "f",
        "postcode_area": 1411, "care_needs": "test", "referrer_organisation_id": referrer,
        "referrer_name": "test", "bed_types": ["short_stay_low"], "features": [],
        "preferred_gemeenten": [], "wanted_start": closed.date(), "financing": Financing.ZVW,
        "urgency": Urgency.TODAY, "status": RequestStatus.UNPLACED, "created_at": closed,
        "closed_at": closed, "unplaced_reason": UnplacedReason.NO_BED_OF_TYPE,
        "gemeente_code": gemeente, "is_demo": False} for n in range(3)])


def test_computed_kpis_are_per_area_and_never_mix_the_regions(session: Session) -> None:
    ensure_kpi_demo(session)
    gooise_meren = session.get(Gemeente, "GM1942")
    zoetermeer = session.get(Gemeente, "GM0637")
    assert gooise_meren is not None
    assert zoetermeer is not None
    assert gooise_meren.region_id != zoetermeer.region_id  # Gooi and Haaglanden
    quarter = parse_period("2026Q2")
    k2 = session.scalar(select(Indicator).where(Indicator.code == "K2"))
    assert k2 is not None
    before = _series(session, "K2")["2026Q2"].value
    _unplaced_in(session, "GM1942", datetime(2026, 5, 12, 10, tzinfo=UTC))
    computing.recompute(session, system_actor("test"), [quarter])
    values = {m.area_code: m.value for m in session.scalars(select(Measurement).where(
        Measurement.indicator_id == k2.id, Measurement.period == "2026Q2"))}
    gooi = session.scalar(select(Region.id).where(Region.id == gooise_meren.region_id))
    assert values[""] == before  # the programme (Zoetermeer's region) does not see Gooi's
    assert values["GM1942"] == 3
    assert values[f"RG{gooi}"] == 3
    assert values["GM0637"] == before
    # A gemeente without any closed request has no value, not a zero.
    assert "GM0406" not in values  # Huizen: no request closed there


# --- item 8: the goal tree as the seeds give it ----------------------------------------------


def _indicator(code: str) -> seeds.IndicatorSeed:
    return next(s for g in seeds.GOALS for s in g.indicators if s.code == code)


def test_the_admission_guarantee_target_is_the_seeds_100_percent() -> None:
    plan = _seed_text("003")
    assert "Een 100% opnamegarantie is hierbij het streven" in plan
    k7 = _indicator("K7")
    assert k7.targets[0][:2] == (2025, 100.0)
    assert "Een 100% opnamegarantie is hierbij het streven" in (k7.targets[0][2] or "")


def test_the_cost_indicators_of_bijlage_i_are_in_the_tree() -> None:
    plan = _seed_text("003")
    assert "De totale kosten blijven nagenoeg gelijk" in plan
    assert "Afname van het aandeel ziekenhuiszorg binnen het totale zorgbudget" in plan
    c5 = _indicator("C5")
    assert c5.name == "De totale kosten blijven nagenoeg gelijk"
    assert "afname van het aandeel ziekenhuiszorg binnen het totale zorgbudget" in (
        c5.targets[0][2] or "")
    assert "Trend zet zich voort" in plan
    assert c5.targets[1][2] == "Trend zet zich voort"
    c6 = _indicator("C6")
    assert c6.direction == "down"
    assert c6.binding is not None


def test_pride_and_the_year_plans_sub_goals_are_in_the_tree() -> None:
    plan, year_plan = _seed_text("003"), _seed_text("000")
    pride = "Toename van het aantal zorg- en welzijnsprofessionals dat aangeeft trots te zijn"
    assert pride in plan
    assert pride in (_indicator("B3").targets[0][2] or "")
    for code, phrase in (("G4", "De groei van het aantal chronisch zieken stijgt minder hard "
                                "dan geprognosticeerd"),
                         ("G5", "Inwoners van Zoetermeer met lage SES ervaren een betere "
                                "gezondheid"),
                         ("G6", "Inwoners van Zoetermeer met lage SES ervaren een betere "
                                "gezondheid")):
        assert phrase in year_plan
        assert _indicator(code).targets[0][2] == phrase


def test_plus_five_percent_says_it_means_points() -> None:
    assert "+ 5%" in _seed_text("003")
    g1 = _indicator("G1")
    assert g1.baseline_value == 73.0
    assert [(y, v) for y, v, _t in g1.targets] == [(2025, 78.0), (2030, 83.0)]
    assert all("procentpunt" in (t or "") for _y, _v, t in g1.targets)


def test_working_agreements_are_not_passed_off_as_plan_targets() -> None:
    for code in ("K5", "K6", "K8", "K9"):
        target = _indicator(code).targets[0]
        assert target[2] == seeds.DEMO_TARGET
        assert "Werkafspraak" in seeds.DEMO_TARGET
    assert "werkafspraak" in (_indicator("K7").definition or "")


def test_the_indicator_page_shows_the_binding_and_the_values_per_area(
    bound: Session, login: object,
) -> None:
    viewer: Browser = login("viewer")  # type: ignore[operator]
    g1 = bound.scalar(select(Indicator).where(Indicator.code == "G1"))
    k7 = bound.scalar(select(Indicator).where(Indicator.code == "K7"))
    assert g1 is not None
    assert k7 is not None
    page = viewer.get(f"/kpi/indicators/{g1.id}")
    assert page.status_code == 200
    assert "Gekoppeld aan bron" in page.text
    assert "gezondheid_wijk_buurt_2020_18plus.csv" in page.text
    assert "verzonnen demowaarde" not in page.text
    page = viewer.get(f"/kpi/indicators/{k7.id}")
    assert page.status_code == 200
    assert "Programmaregio" in page.text
    assert "Regio Haaglanden" in page.text
    assert ">Zoetermeer<" in page.text


def test_the_api_gives_the_binding_and_the_provenance(bound: Session, login: object) -> None:
    viewer: Browser = login("viewer")  # type: ignore[operator]
    g1 = bound.scalar(select(Indicator).where(Indicator.code == "G1"))
    assert g1 is not None
    listed = {i["code"]: i for i in viewer.get("/api/v1/kpi/indicators").json()}
    assert listed["G1"]["source_kind"] == "opendata"
    assert listed["G1"]["source_params"]["area"] == "GM0637"
    values = viewer.get(f"/api/v1/kpi/indicators/{g1.id}/measurements").json()
    latest = next(m for m in values if m["period"] == "2020")
    assert latest["value"] == 77.7
    assert latest["source"] == "source"
    assert "gezondheid_wijk_buurt_2020_18plus.csv" in latest["note"]


def test_an_indicator_bound_to_a_forecast_gets_the_forecast_per_year(
    bound: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 16 item 7: the "forecast" kind reads foresight's forecast_value per year."""
    from verkeerstoren.foresight import measures

    asked: list[tuple[str, str, int, str | None]] = []

    def fake(session: Session, area: str, measure: str, year: int,
             scenario: str | None = None) -> float:
        asked.append((area, measure, year, scenario))
        return float("nan") if year == 2040 else 1000.0 + year

    monkeypatch.setattr(measures, "forecast_value", fake)
    c1 = bound.scalar(select(Indicator).where(Indicator.code == "C1"))
    assert c1 is not None
    c1.source_kind = "forecast"
    c1.source_params = {"measure": "population_80plus", "area": "GM0637",
                        "years": "2030,2025,2040", "scenario": ""}
    sources.refresh(bound, system_actor("test"), today=TODAY)
    series = _series(bound, "C1")
    assert {p: m.value for p, m in series.items()} == {"2025": 3025.0, "2030": 3030.0}
    assert "Prognose Verkeerstoren" in (series["2030"].note or "")
    # (the demo binds C8 to a forecast too: only what C1 asked counts here)
    assert sorted(a for a in asked if a[1] == "population_80plus") == [
        ("GM0637", "population_80plus", y, None) for y in (2025, 2030, 2040)]
