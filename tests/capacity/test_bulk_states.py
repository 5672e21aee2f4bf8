"""Set-based bulk reports: every state gets its own report, holds are checked, nothing leaks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import holds, service
from verkeerstoren.capacity.models import AvailabilityReport, BedState, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import ValidationErrors
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage.base import utcnow


def _all_unit_bed_types(session: Session) -> list[UnitBedType]:
    return list(session.scalars(
        select(UnitBedType).join(CareUnit).where(CareUnit.active.is_(True))
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)))


def _row(ubt: UnitBedType, occupied: int) -> ReportIn:
    staffed = ubt.physical_beds
    return ReportIn(unit_id=ubt.unit_id, bed_type_code=ubt.bed_type_code, staffed=staffed,
                    occupied=min(occupied, staffed), blocked=0, remark=f"r{ubt.unit_id}")


def test_a_bulk_report_makes_each_row_the_current_state_of_its_own_unit(
    session: Session,
) -> None:
    targets = _all_unit_bed_types(session)
    assert len(targets) > 60, "enough rows for the multi-row paths"
    # A few units have never reported: their state is created, the others are updated.
    fresh = targets[:3]
    for ubt in fresh:
        session.execute(delete(BedState).where(BedState.unit_id == ubt.unit_id,
                                               BedState.bed_type_code == ubt.bed_type_code))
    loaded = session.get(BedState, (targets[-1].unit_id, targets[-1].bed_type_code))
    assert loaded is not None
    version_before = loaded.version
    rows = [_row(ubt, i % 5) for i, ubt in enumerate(targets)]

    accepted = service.submit_reports(session, system_actor("test"), rows, ReportSource.CSV)

    assert accepted == len(rows)
    # The copy loaded before the bulk write shows the new figures, not the old ones.
    assert loaded.version == version_before + 1
    assert loaded.remark == f"r{targets[-1].unit_id}"
    states = {(s.unit_id, s.bed_type_code): s for s in session.scalars(select(BedState))}
    reports = {r.id: r for r in session.scalars(
        select(AvailabilityReport).where(AvailabilityReport.source == ReportSource.CSV))}
    for row in rows:
        state = states[(row.unit_id, row.bed_type_code)]
        assert (state.staffed, state.occupied, state.remark) == (
            row.staffed, row.occupied, row.remark)
        assert state.report_id is not None
        report = reports[state.report_id]
        assert (report.unit_id, report.bed_type_code, report.occupied) == (
            row.unit_id, row.bed_type_code, row.occupied)
    for ubt in fresh:
        assert states[(ubt.unit_id, ubt.bed_type_code)].version == 1


def test_a_bulk_report_counts_beds_held_by_reservations_and_writes_nothing(
    session: Session,
) -> None:
    targets = _all_unit_bed_types(session)[:40]
    held = targets[17]
    service.submit_reports(session, system_actor("test"), [_row(held, 0)], ReportSource.API)
    assert holds.hold_bed(session, held.unit_id, held.bed_type_code,
                          reported_after=datetime(2000, 1, 1, tzinfo=UTC))
    before = session.scalars(select(AvailabilityReport.id)).all()
    rows = [_row(ubt, 0) for ubt in targets]
    rows[17] = _row(held, held.physical_beds)  # every staffed bed occupied, one is held

    with pytest.raises(ValidationErrors) as caught:
        service.submit_reports(session, system_actor("test"), rows, ReportSource.CSV,
                               row_numbers=list(range(2, 42)))

    assert [(p.row, p.field) for p in caught.value.problems] == [(19, "occupied")]
    assert session.scalars(select(AvailabilityReport.id)).all() == before


def test_a_report_time_without_a_timezone_is_refused(session: Session) -> None:
    target = _all_unit_bed_types(session)[0]
    with pytest.raises(ValueError, match="naive"):
        service.submit_reports(session, system_actor("test"), [_row(target, 0)],
                               ReportSource.API, now=utcnow().replace(tzinfo=None))


def test_a_bulk_report_stores_its_times_as_every_other_write_does(session: Session) -> None:
    # On SQLite a time is text, compared as text: the bulk path's own executemany wrote
    # "…+00:00" where SQLAlchemy writes "YYYY-MM-DD HH:MM:SS.ffffff", and two equal times
    # then compared unequal.
    from sqlalchemy import text

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL stores timestamptz, not text")
    rows = [_row(ubt, 1) for ubt in _all_unit_bed_types(session)]
    service.submit_reports(session, system_actor("test"), rows, ReportSource.CSV)
    for table in ("availability_report", "bed_state"):
        stored = session.execute(text(
            f"SELECT DISTINCT length(reported_at), substr(reported_at, 20) FROM {table} "
            "WHERE reported_at IS NOT NULL")).all()
        assert all(size == 26 and not rest.endswith("+00:00") for size, rest in stored), (
            table, stored)
