"""A region's availability over time: per day and bed type, the sum of every unit's last report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

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
    reports = [r for r in session.scalars(
        select(AvailabilityReport).where(AvailabilityReport.reported_at <= now)
        .order_by(AvailabilityReport.reported_at, AvailabilityReport.id))
        if (r.unit_id, r.bed_type_code) in keys]
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
    for days in (30, 90):
        got = region_history(session, region_id, days, now=now)
        assert got == _by_hand(session, {(u, c) for u, c, _ in keys}, days, now)
        assert len({t.day for t in got}) == days
    # The oracle above is only a test if the window saw changes: the region's figures moved.
    got = region_history(session, region_id, 30, now=now)
    assert len({(t.staffed, t.occupied) for t in got if t.bed_type_code == keys[1][1]}) > 1


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
    csv = coordinator.get("/board/history/export",
                          params={"region_id": region_id, "days": 30, "format": "csv"})
    assert csv.status_code == 200
    lines = csv.text.splitlines()
    assert lines[0] == "dag,bedtype_code,bedtype,bemand,bezet,geblokkeerd,beschikbaar"
    assert len(lines) > 30
    xlsx = coordinator.get("/board/history/export",
                           params={"region_id": region_id, "format": "xlsx"})
    assert xlsx.content.startswith(b"PK")
    assert coordinator.get("/board/history", params={"days": 1000}).status_code == 422
    assert "/board/history" in coordinator.get("/board").text
    assert login("provider").get("/board/history").status_code == 403
