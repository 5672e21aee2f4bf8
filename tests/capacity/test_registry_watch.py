"""Registry edits reach the kept boards at once (an event), not after the cache's MAX_AGE.

The running-server side (an edit through one process, the board of the other) is in
tests/web/test_scale_out.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.capacity import service
from verkeerstoren.capacity.board import BoardFilter
from verkeerstoren.capacity.board_cache import cache_for
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.registry.models import CareUnit, Feature, UnitBedType
from verkeerstoren.storage import events
from verkeerstoren.storage.events import EventBus


def _keyless(queued: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in queued if m["type"] == "availability" and "keys" not in m]


def _unit_name(bus: EventBus, session: Session, ubt: UnitBedType) -> str:
    entry = cache_for(bus).serve(session, BoardFilter(bed_types=(ubt.bed_type_code,))).entry
    return next(r.unit for r in entry.board.rows
                if (r.unit_id, r.bed_type_code) == (ubt.unit_id, ubt.bed_type_code))


def test_a_renamed_unit_shows_on_a_kept_board_at_once(
    session: Session, own_unit: UnitBedType
) -> None:
    bind_actor(session, system_actor("test"))
    bus = EventBus()
    old = _unit_name(bus, session, own_unit)
    unit = session.get(CareUnit, own_unit.unit_id)
    assert unit is not None
    unit.name = "Afdeling na de hernoeming"
    session.flush()
    queued = events.queued(session)  # what the commit would send (the test never commits)
    assert len(_keyless(queued)) == 1, queued
    # Without the event the kept board would show the old name until its MAX_AGE.
    assert _unit_name(bus, session, own_unit) == old
    for message in queued:
        bus.publish(message)
    assert _unit_name(bus, session, own_unit) == "Afdeling na de hernoeming"


def test_a_changed_feature_list_counts_and_many_edits_send_one_event(
    session: Session, own_unit: UnitBedType
) -> None:
    bind_actor(session, system_actor("test"))
    unit = session.get(CareUnit, own_unit.unit_id)
    assert unit is not None
    feature = session.query(Feature).filter(Feature.code.notin_(
        [f.code for f in unit.features])).first()
    assert feature is not None
    unit.features.append(feature)  # only the association table changes
    session.flush()
    assert len(_keyless(events.queued(session))) == 1
    unit.phone = "0791234567"
    session.flush()
    own_unit.physical_beds += 1
    session.flush()
    # Taken above; the marker stays for the transaction: one refetch per transaction.
    assert _keyless(events.queued(session)) == []


def test_a_report_sends_no_registry_event_and_a_rolled_back_edit_none(
    session: Session, own_unit: UnitBedType
) -> None:
    bind_actor(session, system_actor("test"))
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=own_unit.unit_id, bed_type_code=own_unit.bed_type_code,
        staffed=own_unit.physical_beds, occupied=0)], ReportSource.API)
    assert _keyless(events.queued(session)) == []  # a report keeps the kept boards
    unit = session.get(CareUnit, own_unit.unit_id)
    assert unit is not None
    savepoint = session.begin_nested()
    unit.name = "Nooit bewaard"
    session.flush()
    savepoint.rollback()
    assert _keyless(events.queued(session)) == []
    unit.name = "Wel bewaard"  # after the rolled-back one, an edit is announced again
    session.flush()
    assert len(_keyless(events.queued(session))) == 1
