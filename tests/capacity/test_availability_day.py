"""availability_day, the daily rollup the database keeps: always equal to a recomputation.

The triggers (migration 0009) fire for every way reports get in: the ORM and executemany
(single reports, the demo builder), the unnest and COPY paths of a bulk import, a raw COPY
into the table (bench/registry.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests.conftest import is_postgres
from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import bulk_copy, service
from verkeerstoren.capacity.models import (
    AvailabilityDay,
    AvailabilityReport,
    BedState,
    ReportSource,
)
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.registry.models import BedType, CareUnit, UnitBedType
from verkeerstoren.storage.base import utcnow

Row = tuple[int, int, int, datetime, int]


def _recomputed(session: Session) -> dict[tuple[int, str, date], Row]:
    """Every unit's last report per UTC day, by (reported_at, id), straight from the reports."""
    out: dict[tuple[int, str, date], Row] = {}
    for r in session.scalars(select(AvailabilityReport).order_by(
            AvailabilityReport.reported_at, AvailabilityReport.id)):
        day = r.reported_at.astimezone(UTC).date()
        out[(r.unit_id, r.bed_type_code, day)] = (r.staffed, r.occupied, r.blocked,
                                                  r.reported_at, r.id)
    return out


def _rollup(session: Session) -> dict[tuple[int, str, date], Row]:
    session.expire_all()
    return {(d.unit_id, d.bed_type_code, d.day): (d.staffed, d.occupied, d.blocked,
                                                  d.reported_at, d.report_id)
            for d in session.scalars(select(AvailabilityDay))}


def _assert_rollup_matches(session: Session) -> None:
    assert _rollup(session) == _recomputed(session)


def _active_keys(session: Session) -> list[tuple[int, str, int]]:
    return [(u, c, p) for u, c, p in session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds)
        .join(CareUnit).where(CareUnit.active.is_(True))
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code))]


def _at_least_keys(session: Session, wanted: int) -> list[tuple[int, str, int]]:
    """This many active unit × bed types: the demo has ~110, more bed types are added."""
    keys = _active_keys(session)
    have = {(u, c) for u, c, _ in keys}
    codes = sorted(session.scalars(select(BedType.code)))
    units = sorted({u for u, _, _ in keys})
    for unit_id in units:
        for code in codes:
            if len(have) >= wanted:
                break
            if (unit_id, code) not in have:
                session.add(UnitBedType(unit_id=unit_id, bed_type_code=code, physical_beds=6))
                have.add((unit_id, code))
    session.flush()
    return _active_keys(session)


def _rows(keys: list[tuple[int, str, int]], salt: int) -> list[ReportIn]:
    return [ReportIn(unit_id=u, bed_type_code=c, staffed=p, occupied=(i + salt) % (p + 1),
                     blocked=0) for i, (u, c, p) in enumerate(keys)]


def test_the_demo_builders_reports_are_rolled_up(session: Session) -> None:
    assert session.scalar(select(AvailabilityDay.unit_id).limit(1)) is not None
    _assert_rollup_matches(session)


def test_single_reports_keep_the_rollup_equal_to_a_recomputation(session: Session) -> None:
    keys = _active_keys(session)[:4]
    actor = system_actor("test")
    # Days in the future: no demo report on them, the same days whatever the clock says.
    midnight = datetime.combine(utcnow().date() + timedelta(days=30), time(), tzinfo=UTC)
    noon = midnight - timedelta(hours=12)
    # Several a day, a tie in reported_at (the higher id wins), one exactly at midnight UTC and
    # one a microsecond before it, and a back-dated one that must not replace a newer one.
    times = [noon - timedelta(hours=3), noon - timedelta(days=2), noon - timedelta(days=2),
             midnight, midnight - timedelta(microseconds=1), noon - timedelta(days=3),
             noon - timedelta(days=3, hours=5)]
    for number, at in enumerate(times):
        for unit_id, code, physical in keys:
            service.submit_reports(session, actor, [ReportIn(
                unit_id=unit_id, bed_type_code=code, staffed=physical,
                occupied=(number * 3 + unit_id) % (physical + 1), blocked=0)],
                ReportSource.API, now=at)
        _assert_rollup_matches(session)
    # The tie: of the two reports made at the same moment, the later one (higher id) counts.
    unit_id, code, _ = keys[0]
    tied = noon - timedelta(days=2)
    mine = [r for r in session.scalars(select(AvailabilityReport).where(
        AvailabilityReport.unit_id == unit_id, AvailabilityReport.bed_type_code == code))
        if r.reported_at == tied]
    assert len(mine) == 2
    day = session.get(AvailabilityDay, (unit_id, code, tied.date()))
    assert day is not None
    assert day.report_id == max(r.id for r in mine)


def test_bulk_imports_keep_the_rollup_equal_to_a_recomputation(
    session: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = _at_least_keys(session, 210)
    assert len(keys) >= 210
    actor = system_actor("test")
    now = utcnow()
    # PostgreSQL: ≥ MIN_ROWS rows take the COPY path (staging table, one INSERT … SELECT), and
    # the same import again through the unnest path; SQLite: executemany.
    assert len(keys) >= bulk_copy.MIN_ROWS
    service.submit_reports(session, actor, _rows(keys, 0), ReportSource.CSV,
                           now=now - timedelta(minutes=10))
    _assert_rollup_matches(session)
    monkeypatch.setattr(bulk_copy, "MIN_ROWS", 10**9)
    service.submit_reports(session, actor, _rows(keys, 1), ReportSource.CSV, now=now)
    _assert_rollup_matches(session)
    monkeypatch.undo()
    # An older import arriving later (same day) leaves the newer figures in place.
    service.submit_reports(session, actor, _rows(keys, 2), ReportSource.CSV,
                           now=now - timedelta(minutes=5))
    _assert_rollup_matches(session)
    u, c, _ = keys[0]
    day = session.get(AvailabilityDay, (u, c, now.astimezone(UTC).date()))
    assert day is not None
    assert day.reported_at == now


@pytest.mark.skipif(not is_postgres(), reason="COPY is PostgreSQL only")
def test_a_raw_copy_into_the_reports_fires_the_trigger(session: Session) -> None:
    """bench/registry.py writes its history with COPY straight into availability_report."""
    keys = _active_keys(session)[:3]
    org = {u: o for u, o in session.execute(select(CareUnit.id, CareUnit.organisation_id))}
    now = utcnow()
    rows: list[tuple[Any, ...]] = []
    for i in range(30):
        u, c, p = keys[i % 3]
        rows.append((org[u], u, c, now - timedelta(hours=7 * i), p, p, i % (p + 1), 0, "api",
                     "bench"))
    session.flush()
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
            "COPY availability_report (organisation_id, unit_id, bed_type_code, reported_at, "
            "physical, staffed, occupied, blocked, source, reported_by) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    _assert_rollup_matches(session)


def test_deleted_and_updated_reports_recompute_their_days(session: Session) -> None:
    """The application never does this; a retention job or a hand-made fix might."""
    referenced = select(BedState.report_id).where(BedState.report_id.is_not(None))
    free = list(session.scalars(select(AvailabilityReport.id)
                                .where(AvailabilityReport.id.not_in(referenced))
                                .order_by(AvailabilityReport.id)))
    assert len(free) > 40
    session.execute(delete(AvailabilityReport).where(AvailabilityReport.id.in_(free[:10])))
    _assert_rollup_matches(session)
    # New figures, and times moved to another day (earlier and later) or by a minute.
    for shift, ids in ((timedelta(days=-1), free[10:20]), (timedelta(hours=30), free[20:30]),
                       (timedelta(minutes=1), free[30:40])):
        for moved in session.scalars(select(AvailabilityReport)
                                     .where(AvailabilityReport.id.in_(ids))):
            moved.reported_at += shift
            moved.occupied = moved.blocked = 0
        session.flush()
        _assert_rollup_matches(session)
    # A whole day's reports of one unit gone: its row goes too.
    unreferenced = set(free)
    for candidate in free[40:]:
        report = session.get(AvailabilityReport, candidate)
        assert report is not None
        day = report.reported_at.astimezone(UTC).date()
        same_day = [r.id for r in session.scalars(select(AvailabilityReport).where(
            AvailabilityReport.unit_id == report.unit_id,
            AvailabilityReport.bed_type_code == report.bed_type_code))
            if r.reported_at.astimezone(UTC).date() == day]
        if set(same_day) <= unreferenced:
            break
    else:
        pytest.fail("no day without a current report in the demo history")
    session.execute(delete(AvailabilityReport).where(AvailabilityReport.id.in_(same_day)))
    assert session.get(AvailabilityDay, (report.unit_id, report.bed_type_code, day)) is None
    _assert_rollup_matches(session)
