"""Large imports on PostgreSQL go through COPY and a staging table: same rows, same rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from tests.conftest import is_postgres
from verkeerstoren.access.actor import Actor, system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.capacity import bulk_copy, holds, service
from verkeerstoren.capacity.models import (
    AvailabilityReport,
    BedState,
    PullFormat,
    PullSource,
    ReportSource,
)
from verkeerstoren.capacity.pull import service as pull
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import Conflict, ValidationErrors
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage import events
from verkeerstoren.storage.base import utcnow

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
pytestmark = pytest.mark.skipif(not is_postgres(), reason="the COPY path is PostgreSQL only")

REPORT_COLUMNS = ("organisation_id", "unit_id", "bed_type_code", "reported_at", "physical",
                  "staffed", "occupied", "blocked", "blocked_reason", "expected_free_date",
                  "remark", "source", "reported_by")
STATE_COLUMNS = ("organisation_id", "physical", "staffed", "occupied", "blocked", "held",
                 "blocked_reason", "expected_free_date", "remark", "reported_at", "version")


@pytest.fixture
def copy_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_copy, "MIN_ROWS", 1)


def _targets(session: Session) -> list[UnitBedType]:
    return list(session.scalars(
        select(UnitBedType).join(CareUnit).where(CareUnit.active.is_(True))
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)))


def _varied_rows(targets: list[UnitBedType]) -> list[ReportIn]:
    """Every optional field used, defaulted or empty somewhere; text beyond ASCII."""
    rows = []
    for i, ubt in enumerate(targets):
        staffed = ubt.physical_beds - (i % 2 if ubt.physical_beds else 0)
        blocked = 1 if i % 3 == 0 and staffed else 0
        rows.append(ReportIn(
            unit_id=ubt.unit_id, bed_type_code=ubt.bed_type_code,
            physical=None if i % 4 == 0 else ubt.physical_beds,
            staffed=staffed, occupied=(staffed - blocked) // 2, blocked=blocked,
            blocked_reason="Schoonmaak ‘Café’" if blocked else None,
            expected_free_date=(datetime.now(UTC).date() + timedelta(days=400 + i % 5)
                                if i % 2 else None),
            remark=f"ré {i}; \"quoted\"\ttab" if i % 5 else None))
    return rows


def _written(session: Session, since: int) -> tuple[list[tuple[Any, ...]], dict[Any, Any]]:
    reports = [tuple(getattr(r, c) for c in REPORT_COLUMNS) for r in session.scalars(
        select(AvailabilityReport).where(AvailabilityReport.id > since)
        .order_by(AvailabilityReport.id))]
    session.expire_all()
    current = {(s.unit_id, s.bed_type_code): (tuple(getattr(s, c) for c in STATE_COLUMNS),
                                               s.report_id is not None and s.report_id > since)
               for s in session.scalars(select(BedState))}
    return reports, current


def _last_report_id(session: Session) -> int:
    return session.scalar(select(func.max(AvailabilityReport.id))) or 0


def test_the_copy_path_writes_the_same_rows_as_the_unnest_path(
    session: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    targets = _targets(session)
    assert len(targets) > 60
    # One held bed (kept by both paths) and a few states that do not exist yet (inserted).
    service.submit_reports(session, system_actor("t"), [ReportIn(
        unit_id=targets[5].unit_id, bed_type_code=targets[5].bed_type_code,
        staffed=targets[5].physical_beds, occupied=0)], ReportSource.API)
    assert holds.hold_bed(session, targets[5].unit_id, targets[5].bed_type_code,
                          reported_after=LONG_AGO)
    for ubt in targets[-3:]:
        session.execute(delete(BedState).where(BedState.unit_id == ubt.unit_id,
                                               BedState.bed_type_code == ubt.bed_type_code))
    rows = _varied_rows(targets)
    rows[5] = ReportIn(unit_id=targets[5].unit_id, bed_type_code=targets[5].bed_type_code,
                       staffed=targets[5].physical_beds, occupied=0, remark="held one")
    now = utcnow()
    results = {}
    for name, minimum in (("unnest", 10**9), ("copy", 1)):
        monkeypatch.setattr(bulk_copy, "MIN_ROWS", minimum)
        since = _last_report_id(session)
        savepoint = session.begin_nested()
        accepted = service.submit_reports(session, system_actor("t"), rows, ReportSource.CSV,
                                          now=now)
        results[name] = _written(session, since)
        savepoint.rollback()
        assert accepted == len(rows)

    assert results["copy"] == results["unnest"]
    reports, current = results["copy"]
    assert len(reports) == len(rows)
    assert [(r[1], r[2]) for r in reports] == [(r.unit_id, r.bed_type_code) for r in rows]
    held_state, points_to_new = current[(targets[5].unit_id, targets[5].bed_type_code)]
    assert held_state[STATE_COLUMNS.index("held")] == 1
    assert points_to_new
    for ubt in targets[-3:]:
        state, points_to_new = current[(ubt.unit_id, ubt.bed_type_code)]
        assert state[STATE_COLUMNS.index("version")] == 1
        assert points_to_new


def test_an_error_in_the_last_row_of_a_large_import_writes_nothing(
    session: Session, copy_always: None,
) -> None:
    targets = _targets(session)
    rows = _varied_rows(targets)
    last = targets[-1]
    rows[-1] = ReportIn(unit_id=last.unit_id, bed_type_code=last.bed_type_code,
                        physical=last.physical_beds, staffed=last.physical_beds,
                        occupied=0,
                        expected_free_date=datetime.now(UTC).date() - timedelta(days=30))
    rows[-2] = ReportIn(unit_id=999_999, bed_type_code=rows[-2].bed_type_code,
                        staffed=1, occupied=0)
    numbers = list(range(2, len(rows) + 2))
    before_reports = _last_report_id(session)
    before_states = session.execute(select(BedState.unit_id, BedState.bed_type_code,
                                           BedState.version)).all()
    before_audit = session.scalar(select(func.max(AuditEntry.id)))

    with pytest.raises(ValidationErrors) as caught:
        service.submit_reports(session, system_actor("t"), rows, ReportSource.CSV,
                               row_numbers=numbers)

    assert [(p.row, p.field) for p in caught.value.problems] == [
        (numbers[-2], "unit_id"), (numbers[-1], "expected_free_date")]
    assert _last_report_id(session) == before_reports
    assert session.execute(select(BedState.unit_id, BedState.bed_type_code,
                                  BedState.version)).all() == before_states
    assert session.scalar(select(func.max(AuditEntry.id))) == before_audit
    # The same transaction can import again (the staging table is made anew).
    assert service.submit_reports(session, system_actor("t"), rows[:-2],
                                  ReportSource.CSV) == len(rows) - 2


def test_a_provider_cannot_import_another_organisations_unit_through_copy(
    session: Session, copy_always: None, own_unit: UnitBedType, other_unit: UnitBedType,
) -> None:
    provider = Actor(role=Role.PROVIDER, organisation_id=own_unit.unit.organisation_id,
                     label="provider", user_id=1)
    rows = [ReportIn(unit_id=u.unit_id, bed_type_code=u.bed_type_code, staffed=1, occupied=0)
            for u in (own_unit, other_unit)]
    before = _last_report_id(session)
    with pytest.raises(ValidationErrors) as caught:
        service.submit_reports(session, provider, rows, ReportSource.CSV)
    assert [(p.row, p.field, p.message) for p in caught.value.problems] == [
        (2, "unit_id", "unit {unit} belongs to another organisation")]
    assert _last_report_id(session) == before


def test_held_beds_are_checked_after_the_lock_in_the_copy_path(
    session: Session, copy_always: None,
) -> None:
    target = _targets(session)[0]
    service.submit_reports(session, system_actor("t"), [ReportIn(
        unit_id=target.unit_id, bed_type_code=target.bed_type_code,
        staffed=target.physical_beds, occupied=0)], ReportSource.API)
    assert holds.hold_bed(session, target.unit_id, target.bed_type_code,
                          reported_after=LONG_AGO)
    with pytest.raises(ValidationErrors) as caught:
        service.submit_reports(session, system_actor("t"), [ReportIn(
            unit_id=target.unit_id, bed_type_code=target.bed_type_code,
            staffed=target.physical_beds, occupied=target.physical_beds)], ReportSource.CSV)
    assert [(p.row, p.field) for p in caught.value.problems] == [(1, "occupied")]


def test_a_large_import_is_audited_once_and_announced(
    session: Session, copy_always: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = _varied_rows(_targets(session))
    before_audit = session.scalar(select(func.max(AuditEntry.id))) or 0
    since = _last_report_id(session)
    emitted: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(events, "emit",
                        lambda _s, kind, **data: emitted.append((kind, data)))

    service.submit_reports(session, system_actor("importer"), rows, ReportSource.XLSX)

    entries = session.scalars(select(AuditEntry).where(AuditEntry.id > before_audit)).all()
    assert [(e.action, e.entity, e.actor_label) for e in entries] == [
        ("report", "availability_report", "importer")]
    first, last = session.execute(select(func.min(AvailabilityReport.id),
                                         func.max(AvailabilityReport.id))
                                  .where(AvailabilityReport.id > since)).one()
    assert entries[0].entity_id == f"{first}..{last}"
    assert f'"rows": {len(rows)}' in entries[0].detail
    assert emitted == [("availability", {"count": len(rows)})]
    assert session.scalar(select(func.count()).select_from(AvailabilityReport).where(
        AvailabilityReport.id > since, AvailabilityReport.source == ReportSource.XLSX,
        AvailabilityReport.reported_by == "importer")) == len(rows)


def test_the_database_still_refuses_counts_that_do_not_add_up(
    session: Session, copy_always: None,
) -> None:
    target = _targets(session)[0]
    row = ReportIn(unit_id=target.unit_id, bed_type_code=target.bed_type_code,
                   staffed=target.physical_beds, occupied=0)
    bulk_copy.stage(session, [row])
    # Bypass the Python checks: the CHECK constraint is the last guard.
    session.execute(text("UPDATE import_rows SET occupied = staffed + 1"))
    savepoint = session.begin_nested()
    with pytest.raises(Exception, match="counts_valid"):
        bulk_copy.write(session, now=utcnow(), source="csv", reported_by="t", expected=1)
    savepoint.rollback()


def test_a_unit_deactivated_between_check_and_write_stops_the_whole_import(
    session: Session, copy_always: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    targets = _targets(session)[:3]
    rows = [ReportIn(unit_id=u.unit_id, bed_type_code=u.bed_type_code, staffed=0, occupied=0)
            for u in targets]
    looked_up = bulk_copy.lookup

    def lookup_then_deactivate(s: Session) -> list[tuple[int | None, int | None, int | None]]:
        found = looked_up(s)
        s.execute(update(CareUnit).where(CareUnit.id == targets[1].unit_id).values(active=False))
        return found

    monkeypatch.setattr(bulk_copy, "lookup", lookup_then_deactivate)
    savepoint = session.begin_nested()
    with pytest.raises(Conflict):
        service.submit_reports(session, system_actor("t"), rows, ReportSource.CSV)
    savepoint.rollback()


def test_a_pull_that_meets_such_a_change_fails_cleanly_and_writes_nothing(
    session: Session, copy_always: None, monkeypatch: pytest.MonkeyPatch,
    own_unit: UnitBedType,
) -> None:
    source = PullSource(organisation_id=own_unit.unit.organisation_id, url="http://x.example/",
                        format=PullFormat.CSV)
    session.add(source)
    session.flush()
    looked_up = bulk_copy.lookup

    def lookup_then_deactivate(s: Session) -> list[tuple[int | None, int | None, int | None]]:
        found = looked_up(s)
        s.execute(update(CareUnit).where(CareUnit.id == own_unit.unit_id).values(active=False))
        return found

    monkeypatch.setattr(bulk_copy, "lookup", lookup_then_deactivate)
    before = _last_report_id(session)
    raw = (f"unit_id,bed_type_code,staffed,occupied\n"
           f"{own_unit.unit_id},{own_unit.bed_type_code},1,0\n").encode()

    result = pull.apply(session, source, raw, utcnow())

    assert not result.ok
    assert [(p.field, p.message) for p in result.problems] == [
        ("file", bulk_copy.UNITS_CHANGED)]
    assert _last_report_id(session) == before
    assert source.last_ok is False
