"""Computed indicators link to their rows; the demo goal tree shows on the dashboards."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.kpi.computed import compute_all
from verkeerstoren.kpi.models import Indicator, Measurement
from verkeerstoren.kpi.periods import parse_period
from verkeerstoren.placement.models import (
    Financing,
    PlacementRequest,
    RequestStatus,
    UnplacedReason,
    Urgency,
)
from verkeerstoren.registry.models import BedType, Organisation

QUARTER = parse_period("2030Q1")  # empty in the demo, so only this test's rows count


def _request(session: Session, n: int, hours: float, status: RequestStatus,
             discharged_days: int | None = None) -> int:
    created = datetime(2030, 2, 1, 9, tzinfo=UTC) + timedelta(days=n)
    org = session.scalar(select(Organisation.id).limit(1))
    assert org is not None
    row = PlacementRequest(
        pseudonym=f"t-{n}", birth_year=1940, sex="f", postcode_area=2712,
        referrer_organisation_id=org, referrer_name="t", bed_types=["short_stay_high"],
        features=[], preferred_gemeenten=[], wanted_start=created.date(),
        financing=Financing.ZVW, urgency=Urgency.TODAY, status=status, created_at=created,
        closed_at=created + timedelta(hours=hours),
        unplaced_reason=UnplacedReason.NO_BED_OF_TYPE if status is RequestStatus.UNPLACED
        else None,
        medically_discharged_on=created.date() - timedelta(days=discharged_days)
        if discharged_days is not None else None)
    session.add(row)
    session.flush()
    return row.id


def test_placement_figures_are_computed_from_the_rows_and_name_them(session: Session) -> None:
    ids = [_request(session, 0, 2, RequestStatus.PLACED, discharged_days=3),
           _request(session, 1, 10, RequestStatus.PLACED),
           _request(session, 2, 30, RequestStatus.PLACED),
           _request(session, 3, 5, RequestStatus.UNPLACED)]
    result = compute_all(session, ["ttp_median", "ttp_p90", "placed_24h", "unplaced",
                                   "wrong_bed_days"], QUARTER)
    assert result["ttp_median"].value == 10.0
    assert result["ttp_median"].ids == ids[:3]
    assert result["placed_24h"].value == 50.0  # 2 of 4 closed requests within 24 h
    assert result["unplaced"].value == 1
    assert result["unplaced"].details == {
        "no_bed_of_type": 1.0}
    assert result["wrong_bed_days"].value == 3
    assert result["wrong_bed_days"].ids == [ids[0]]


def test_the_demo_seeds_the_goal_tree_with_document_targets(kpi_session: Session) -> None:
    g1 = kpi_session.scalar(select(Indicator).where(Indicator.code == "G1"))
    assert g1 is not None
    assert g1.baseline_text == "73% (2016)"
    assert [(t.year, t.value) for t in g1.targets] == [(2025, 78.0), (2030, 83.0)]
    k4 = kpi_session.scalar(select(Indicator).where(Indicator.code == "K4"))
    assert k4 is not None
    assert {t.text for t in k4.targets} == {"Nader in te vullen"}
    computed = kpi_session.scalars(select(Measurement).where(
        Measurement.indicator_id == k4.id)).all()
    assert len(computed) >= 8
    assert all(m.is_demo and m.source_rows for m in computed)


def test_the_dashboards_show_the_tree_status_and_overdue_actions(
    kpi_session: Session, login: Callable[[str], Browser]
) -> None:
    viewer = login("viewer")
    page = viewer.get("/kpi?quarter=2026Q3")
    assert page.status_code == 200
    for text in ("Geen (toekomstige) kloof", "Ervaren gezondheid", "Uit koers",
                 "Acties over de termijn", "Zo wordt de status bepaald", "(demo)"):
        assert text in page.text, text
    tactical = viewer.get("/kpi/tactical?quarter=2026Q3")
    assert "Multifunctionele bedden" in tactical.text


def test_an_indicator_page_links_computed_values_to_their_source_rows(
    kpi_session: Session, login: Callable[[str], Browser]
) -> None:
    k7 = kpi_session.scalar(select(Indicator).where(Indicator.code == "K7"))
    assert k7 is not None
    viewer = login("viewer")
    page = viewer.get(f"/kpi/indicators/{k7.id}?quarter=2026Q3")
    assert page.status_code == 200
    assert "Effect van projecten" in page.text
    assert "95%-betrouwbaarheidsinterval" in page.text
    m = kpi_session.scalar(select(Measurement).where(Measurement.indicator_id == k7.id,
                                                     Measurement.period == "2026Q3"))
    assert m is not None
    assert m.source_rows is not None
    sources = viewer.get(f"/kpi/measurements/{m.id}/sources")
    first = m.source_rows["ids"][0]  # type: ignore[index]
    assert f"#{first}" in sources.text


def test_analysts_register_actions_and_viewers_may_not(
    kpi_session: Session, login: Callable[[str], Browser]
) -> None:
    k7 = kpi_session.scalar(select(Indicator).where(Indicator.code == "K7"))
    assert k7 is not None
    form = {"what": "Extra bedden", "owner": "Kerngroep", "due_date": "2027-01-15"}
    viewer = login("viewer")
    assert viewer.post(f"/kpi/indicators/{k7.id}/actions",
                       data={**form, "csrf_token": viewer.csrf}).status_code == 403
    analyst = login("analyst")
    answer = analyst.post(f"/kpi/indicators/{k7.id}/actions",
                          data={**form, "csrf_token": analyst.csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert "Extra bedden" in analyst.get(f"/kpi/indicators/{k7.id}").text


def test_the_import_form_names_the_bad_row(
    kpi_session: Session, login: Callable[[str], Browser]
) -> None:
    analyst = login("analyst")
    data = b"indicator;period;value\nH1;2026Q3;101\n"
    answer = analyst.post("/kpi/import", data={"csrf_token": analyst.csrf, "on_duplicate": "keep"},
                          files={"file": ("m.csv", data, "text/csv")})
    assert answer.status_code == 422
    assert "rij 2" in answer.text
    assert "Er is niets opgeslagen" in answer.text


def test_the_source_rows_of_the_unplaced_count_name_their_reasons_in_dutch(
    kpi_session: Session, login: Callable[[str], Browser]
) -> None:
    measurement = kpi_session.scalar(
        select(Measurement).join(Indicator, Indicator.id == Measurement.indicator_id)
        .where(Indicator.computed_key == "unplaced", Measurement.source_rows.is_not(None))
        .order_by(Measurement.period.desc()).limit(1))
    assert measurement is not None
    page = login("viewer").get(f"/kpi/measurements/{measurement.id}/sources")
    assert page.status_code == 200
    codes = [reason.value for reason in UnplacedReason]
    assert any(t in page.text for t in ("geen bed", "financiering", "geweigerd", "anders")), \
        page.text[-2000:]
    for code in codes:
        assert f"<td>{code}</td>" not in page.text, code


def test_wrong_bed_days_accrue_every_day_in_the_period_they_fall_in(session: Session) -> None:
    """Issue 15 item 4. Q1 2030 runs 1 January – 31 March (90 days); Q2 starts 1 April."""
    org = session.scalar(select(Organisation.id).limit(1))
    assert org is not None

    def request(key: str, discharged: date, status: RequestStatus,
                closed: date | None = None, admitted: date | None = None) -> int:
        created = datetime.combine(discharged, datetime.min.time(), UTC)
        row = PlacementRequest(
            pseudonym=f"wb-{key}", birth_year=1940, sex="f", postcode_area=2712,
            referrer_organisation_id=org, referrer_name="t", bed_types=["short_stay_high"],
            features=[], preferred_gemeenten=[], wanted_start=discharged,
            financing=Financing.ZVW, urgency=Urgency.TODAY, status=status, created_at=created,
            closed_at=datetime.combine(closed, datetime.min.time(), UTC) + timedelta(hours=12)
            if closed else None,
            admission_date=admitted, medically_discharged_on=discharged,
            unplaced_reason=UnplacedReason.NO_BED_OF_TYPE
            if status is RequestStatus.UNPLACED else None)
        session.add(row)
        session.flush()
        return row.id

    # Discharged 22 March, placed (admitted) 5 April: 10 days in Q1 (22–31 March), 4 in Q2.
    across = request("across", date(2030, 3, 22), RequestStatus.PLACED, date(2030, 4, 5),
                     date(2030, 4, 5))
    # Closed unplaced 11 March after waiting since 1 March: 10 days, in Q1 only.
    given_up = request("unplaced", date(2030, 3, 1), RequestStatus.UNPLACED, date(2030, 3, 11))
    # Cancelled 3 February after waiting since 31 January: 3 days.
    cancelled = request("cancelled", date(2030, 1, 31), RequestStatus.CANCELLED,
                        date(2030, 2, 3))
    # Still open at the end of the run: every day from 25 March to the end of Q1 (7 days) and
    # all of Q2 (91 days) have passed by the time of the test (2026 runs before 2030 only in
    # a test, so "today" is moved past both quarters).
    still_open = request("open", date(2030, 3, 25), RequestStatus.OPEN)
    with time_machine.travel(datetime(2030, 8, 1, 12, tzinfo=UTC), tick=False):
        q1 = compute_all(session, ["wrong_bed_days"], parse_period("2030Q1"))["wrong_bed_days"]
        q2 = compute_all(session, ["wrong_bed_days"], parse_period("2030Q2"))["wrong_bed_days"]
    assert q1.value == 10 + 10 + 3 + 7
    assert q1.ids == sorted([across, given_up, cancelled, still_open])
    assert q2.value == 4 + 91
    assert q2.ids == sorted([across, still_open])


def test_source_rows_name_bed_types_units_and_organisations_not_codes(
    kpi_session: Session, login: Callable[[str], Browser]
) -> None:
    """Issue 15 item 9: the source rows page shows names (not short_stay_low or unit ids)."""
    viewer = login("viewer")
    for key in ("unplaced", "occupancy"):
        measurement = kpi_session.scalar(
            select(Measurement).join(Indicator, Indicator.id == Measurement.indicator_id)
            .where(Indicator.computed_key == key, Measurement.source_rows.is_not(None))
            .order_by(Measurement.period.desc()).limit(1))
        assert measurement is not None, key
        page = viewer.get(f"/kpi/measurements/{measurement.id}/sources")
        assert page.status_code == 200
        cells = re.findall(r"<td>([^<]*)</td>", page.text)
        assert cells, key
        codes = set(kpi_session.scalars(select(BedType.code)))
        assert not codes & set(cells), (key, codes & set(cells))
        assert set(kpi_session.scalars(select(BedType.name))) & set(cells), key


def test_counts_and_percentages_chart_from_zero_with_every_period_labelled(
    kpi_session: Session,
) -> None:
    from verkeerstoren.kpi import charts
    from verkeerstoren.kpi.dashboards import overview

    views = {v.indicator.code: v for v in overview(
        kpi_session, parse_period("2026Q3"), today=date(2026, 10, 15)).all_indicators}
    k7 = charts.indicator_chart(views["K7"])  # percent
    line = k7["layer"][0]["encoding"]
    assert line["y"]["scale"]["zero"] is True
    assert line["x"]["field"] == "periode"
    assert line["x"]["type"] == "ordinal"
    assert '"periode": "2026Q3"' in json.dumps(k7)
    k5 = charts.indicator_chart(views["K5"])  # hours: near its values, and the axis says so
    assert k5["layer"][0]["encoding"]["y"]["scale"]["zero"] is False
    assert "niet bij 0" in k5["layer"][0]["encoding"]["y"]["title"]
