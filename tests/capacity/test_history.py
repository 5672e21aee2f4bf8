"""A region's availability over time: per day and bed type, the sum of every unit's last report."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import service
from verkeerstoren.capacity.history import DayTotal, region_history
from verkeerstoren.capacity.models import AvailabilityReport, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.registry.models import BedType, CareUnit, Gemeente, Location, UnitBedType
from verkeerstoren.storage.base import utcnow

CHARTS_JS = (Path(__file__).resolve().parents[2] / "src" / "verkeerstoren" / "web" / "static"
             / "vega" / "charts.js")


def _region_keys(session: Session) -> tuple[int, list[tuple[int, str, int]]]:
    region_id = session.scalar(
        select(Gemeente.region_id).join(Location, Location.gemeente_code == Gemeente.code)
        .join(CareUnit, CareUnit.location_id == Location.id)
        .where(Gemeente.region_id.is_not(None)).order_by(Gemeente.region_id).limit(1))
    assert region_id is not None
    keys = [(u, c, p) for u, c, p in session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(Location, Location.id == CareUnit.location_id)
        .join(Gemeente, Gemeente.code == Location.gemeente_code)
        .where(Gemeente.region_id == region_id, CareUnit.active.is_(True))
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code))]
    return region_id, keys


def _by_hand(session: Session, keys: set[tuple[int, str]], days: int,
             now: datetime) -> list[DayTotal]:
    """The definition, done the slow way: every report of the region, replayed day by day."""
    # Filtered and ordered in Python, on datetimes: on SQLite the stored text has two forms.
    reports = sorted((r for r in session.scalars(select(AvailabilityReport))
                      if (r.unit_id, r.bed_type_code) in keys and r.reported_at <= now),
                     key=lambda r: (r.reported_at, r.id))
    first = now.date() - timedelta(days=days - 1)
    bed_types = {b.code: b for b in session.scalars(select(BedType))}
    codes = sorted({r.bed_type_code for r in reports},
                   key=lambda c: (bed_types[c].sort_order, c))
    out: list[DayTotal] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
        last: dict[tuple[int, str], AvailabilityReport] = {}
        for report in reports:
            if report.reported_at < end:
                last[(report.unit_id, report.bed_type_code)] = report
        for code in codes:
            mine = [r for k, r in last.items() if k[1] == code]
            if not mine:  # nothing known of this bed type yet: no figure, not zero
                continue
            out.append(DayTotal(day, code, bed_types[code].name,
                                sum(r.staffed for r in mine), sum(r.occupied for r in mine),
                                sum(r.blocked for r in mine)))
    return out


def test_the_region_history_is_the_sum_of_each_units_last_report_per_day(
    session: Session
) -> None:
    region_id, keys = _region_keys(session)
    assert len(keys) >= 3
    now = utcnow()
    actor = system_actor("test")
    # Reports before the window, inside it (several on one day: the last one counts) and today.
    plan = [(40, 0), (12, 1), (12, 2), (5, 0), (0, 1)]
    for number, (days_ago, key_index) in enumerate(plan):
        unit_id, code, physical = keys[key_index]
        at = now - timedelta(days=days_ago, minutes=number)
        service.submit_reports(session, actor, [ReportIn(
            unit_id=unit_id, bed_type_code=code, staffed=physical,
            occupied=(number * 7) % (physical + 1), blocked=0)], ReportSource.API, now=at)
    region_keys = {(u, c) for u, c, _ in keys}
    # The region's first report: this test's, 40 days ago, or the demo's simulated history.
    first = min(r.reported_at for r in session.scalars(select(AvailabilityReport))
                if (r.unit_id, r.bed_type_code) in region_keys).date()
    assert first <= (now - timedelta(days=40)).date()
    for days in (30, 90):
        got = region_history(session, region_id, days, now=now)
        assert got == _by_hand(session, region_keys, days, now)
        # Every day from the first report on, none before it.
        assert len({t.day for t in got}) == min(days, (now.date() - first).days + 1)
    # The oracle above is only a test if the window saw changes: the region's figures moved.
    got = region_history(session, region_id, 30, now=now)
    assert len({(t.staffed, t.occupied) for t in got if t.bed_type_code == keys[1][1]}) > 1


def test_the_region_history_at_the_edges(session: Session) -> None:
    """Several reports a day, ties, midnight, a unit quiet since before the window, and
    reports after ``now`` (today's and later days'): still the day-by-day replay."""
    region_id, keys = _region_keys(session)
    assert len(keys) >= 6
    today = utcnow().date()
    midnight = datetime.combine(today, time(), tzinfo=UTC)
    now = midnight + timedelta(hours=12)
    actor = system_actor("test")
    plan = [
        (0, midnight - timedelta(days=3, hours=2)),  # several on one day: the last counts
        (0, midnight - timedelta(days=3, hours=5)),
        (0, midnight - timedelta(days=3, hours=1)),
        (1, midnight - timedelta(days=4)),  # a tie: the later report (higher id) counts
        (1, midnight - timedelta(days=4)),
        (2, midnight - timedelta(days=7)),  # exactly at midnight UTC, and just before it
        (2, midnight - timedelta(days=7, microseconds=1)),
        (3, midnight - timedelta(days=120)),  # before both windows, nothing since
        (4, now - timedelta(hours=2)),  # today: one before now, one at now, one after it
        (4, now),
        (4, now + timedelta(hours=1)),
        (5, now + timedelta(minutes=1)),  # today only after now: yesterday's figures stand
        (5, midnight - timedelta(hours=3)),
        (0, now + timedelta(days=2)),  # a later day
    ]
    # A bed type the region never reported, registered now and reported only after ``now``:
    # no line for it until then.
    session.add(BedType(code="test-nieuw", name="Nieuw bedtype", sort_order=99))
    session.add(UnitBedType(unit_id=keys[0][0], bed_type_code="test-nieuw", physical_beds=4))
    session.flush()
    keys.append((keys[0][0], "test-nieuw", 4))
    plan.append((len(keys) - 1, now + timedelta(minutes=5)))
    for number, (key_index, at) in enumerate(plan):
        unit_id, code, physical = keys[key_index]
        service.submit_reports(session, actor, [ReportIn(
            unit_id=unit_id, bed_type_code=code, staffed=physical,
            occupied=(number * 5 + 1) % (physical + 1), blocked=0)], ReportSource.API, now=at)
    wanted = {(u, c) for u, c, _ in keys}
    assert "test-nieuw" not in {t.bed_type_code for t in region_history(
        session, region_id, 30, now=now)}
    assert "test-nieuw" in {t.bed_type_code for t in region_history(
        session, region_id, 30, now=now + timedelta(minutes=5))}
    for moment in (now, now + timedelta(minutes=30), now + timedelta(days=1), utcnow()):
        for days in (30, 90):
            assert region_history(session, region_id, days, now=moment) == _by_hand(
                session, wanted, days, moment)


def test_the_history_page_and_its_exports(session: Session,
                                          login: Callable[[str], Browser]) -> None:
    region_id, keys = _region_keys(session)
    unit_id, code, physical = keys[0]
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=unit_id, bed_type_code=code, staffed=physical, occupied=0)], ReportSource.API)
    coordinator = login("coordinator")
    page = coordinator.get("/board/history", params={"region_id": region_id, "days": 90})
    assert page.status_code == 200
    assert "Beschikbaarheid in de tijd" in page.text
    assert "data-spec=" in page.text
    names = {b.code: b.name for b in session.scalars(select(BedType))}
    spec = _chart(page.text)
    values = spec["data"]["values"]
    # The legend shows the bed type's Dutch name; the code rides along for reference.
    assert spec["encoding"]["color"]["field"] == "bedtype"
    assert {v["bedtype"] for v in values} == {names[v["bedtype_code"]] for v in values}
    assert names[code] in {v["bedtype"] for v in values}
    assert "/static/vega/charts.js" in page.text
    csv = coordinator.get("/board/history/export",
                          params={"region_id": region_id, "days": 30, "format": "csv"})
    assert csv.status_code == 200
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Dag;Bedtype-code;Bedtype;Bemand;Bezet;Geblokkeerd;Beschikbaar"
    assert len(lines) > 30
    xlsx = coordinator.get("/board/history/export",
                           params={"region_id": region_id, "format": "xlsx"})
    assert xlsx.content.startswith(b"PK")
    assert coordinator.get("/board/history", params={"days": 1000}).status_code == 422
    assert "/board/history" in coordinator.get("/board").text
    assert login("provider").get("/board/history").status_code == 403


def _chart(page: str) -> dict[str, Any]:
    """The Vega-Lite spec in a page's (single) data-spec attribute."""
    found = re.search(r"data-spec='([^']*)'", page)
    assert found is not None
    spec: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return spec


def test_the_unit_page_charts_bed_type_names_not_codes(
    session: Session, login: Callable[[str], Browser]
) -> None:
    _, keys = _region_keys(session)
    unit_id, code, physical = keys[0]
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=unit_id, bed_type_code=code, staffed=physical, occupied=0)], ReportSource.API)
    name = session.get(BedType, code)
    assert name is not None
    assert name.name != code
    page = login("coordinator").get(f"/capacity/units/{unit_id}")
    assert page.status_code == 200
    spec = _chart(page.text)
    assert spec["encoding"]["color"]["field"] == "bedtype"
    mine = [v for v in spec["data"]["values"] if v["bedtype_code"] == code]
    assert mine
    assert all(v["bedtype"] == name.name for v in mine)
    # The report table under the chart names the bed type too.
    assert f"<td>{html.escape(name.name)}</td>" in page.text
    assert "/static/vega/charts.js" in page.text


def _js_object(source: str, const: str) -> Any:
    """A plain object literal assigned to ``const`` in charts.js, read as JSON."""
    found = re.search(rf"const {const} = (\{{.*?\}});", source, re.S)
    assert found is not None, const
    text = re.sub(r"//[^\n]*", "", found.group(1))  # comments
    text = re.sub(r"^(\s*)(\w+):", r'\1"\2":', text, flags=re.M)  # unquoted keys
    text = re.sub(r",(\s*[}\]])", r"\1", text)  # trailing commas
    return json.loads(text)


def test_the_shared_chart_loader_sets_the_dutch_locale_of_the_pdf_report() -> None:
    """Every browser chart is drawn by charts.js: its number and time locale is nl-NL, the very
    definitions vl-convert uses for the report's charts (so "nov", "ma", "1.234,5")."""
    import vl_convert

    source = CHARTS_JS.read_text(encoding="utf-8")
    number = _js_object(source, "NL_NUMBER")
    times = _js_object(source, "NL_TIME")
    assert number == vl_convert.get_format_locale("nl-NL")
    assert times == vl_convert.get_time_format_locale("nl-NL")
    assert times["shortMonths"][10] == "nov"
    assert times["shortDays"][1] == "ma"
    # Both set globally (the board's map is drawn by board.js) and passed to every embed.
    assert "vega.formatLocale(NL_NUMBER)" in source
    assert "vega.timeFormatLocale(NL_TIME)" in source
    assert "formatLocale: NL_NUMBER" in source
    assert "timeFormatLocale: NL_TIME" in source
    # Vega's axis multi-format is English-style ("03 PM", "nov 08"): overridden for every chart.
    assert '"%H:%M"' in source
    assert "config: NL_CONFIG" in source
