"""The per-process board cache: kept current by availability events; no figure gone stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import board as board_module
from verkeerstoren.capacity import board_cache, service
from verkeerstoren.capacity.board import BoardFilter
from verkeerstoren.capacity.board_cache import MAX_AGE, BoardCache, cache_for, served_board
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import Board, ReportIn
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage import Database, events
from verkeerstoren.storage.base import utcnow
from verkeerstoren.storage.events import EventBus


def _deliver_committed_events(db: Database, session: Session, bus: EventBus,
                              own_unit: UnitBedType) -> None:
    # The test's transaction is rolled back, never committed, so deliver what a commit would
    # (SQLite in memory; PostgreSQL through NOTIFY and every process's LISTEN thread).
    queued = events.queued(session)
    assert [[own_unit.unit_id, own_unit.bed_type_code]] in [
        m.get("keys") for m in queued if m["type"] == "availability"]
    for message in queued:
        bus.publish(message)


def _row(data: Board, ubt: UnitBedType) -> Any:
    return next(r for r in data.rows
                if (r.unit_id, r.bed_type_code) == (ubt.unit_id, ubt.bed_type_code))


def test_a_cached_board_is_served_until_a_report_changes_it(
    db: Database, session: Session, own_unit: UnitBedType
) -> None:
    bus = EventBus()
    cache = cache_for(bus)
    flt = BoardFilter(bed_types=(own_unit.bed_type_code,))
    first = cache.serve(session, flt).entry
    assert cache.serve(session, flt).entry is first
    bus.publish({"type": "placement", "request_id": 1})  # not about beds: entry stays
    assert cache.serve(session, flt).entry is first
    assert cache.builds == 1

    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=own_unit.unit_id, bed_type_code=own_unit.bed_type_code,
        staffed=own_unit.physical_beds, occupied=1, remark="na de cache")], ReportSource.API)
    _deliver_committed_events(db, session, bus, own_unit)

    after = cache.serve(session, flt).entry
    assert after is not first
    # A report names its keys: the board is refreshed for them, not built again.
    assert (cache.builds, cache.refreshes) == (1, 1)
    assert _row(after.board, own_unit).remark == "na de cache"
    assert b'"remark":"na de cache"' in after.json()


def test_a_cached_board_is_rebuilt_after_its_maximum_age_at_the_latest(
    session: Session, own_unit: UnitBedType
) -> None:
    cache = BoardCache()
    flt = BoardFilter(bed_types=(own_unit.bed_type_code,))
    now = utcnow()
    first = cache.serve(session, flt, now=now).entry
    assert first.expires <= now + MAX_AGE
    assert cache.serve(session, flt, now=first.expires - timedelta(seconds=1)).entry is first
    later = cache.serve(session, flt, now=first.expires).entry
    assert later is not first
    assert later.board.generated_at == first.expires


def test_the_entry_expires_when_its_first_fresh_figure_turns_stale(
    session: Session, own_unit: UnitBedType
) -> None:
    code = own_unit.bed_type_code
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=own_unit.unit_id, bed_type_code=code,
        staffed=own_unit.physical_beds, occupied=0)], ReportSource.API)
    reported = _row(BoardCache().serve(session, BoardFilter(bed_types=(code,))).entry.board,
                    own_unit).reported_at
    assert isinstance(reported, datetime)
    max_age = own_unit.bed_type.max_report_age_hours
    # Seconds before the figure's maximum age: the entry must end when the figure turns.
    almost = reported + timedelta(hours=max_age) - timedelta(seconds=5)
    cache = BoardCache()
    entry = cache.serve(session, BoardFilter(bed_types=(code,)), now=almost).entry
    assert not _row(entry.board, own_unit).stale
    assert entry.expires <= reported + timedelta(hours=max_age)
    after = cache.serve(session, BoardFilter(bed_types=(code,)),
                      now=reported + timedelta(hours=max_age, seconds=1)).entry
    assert _row(after.board, own_unit).stale


def test_a_build_that_overlapped_an_event_is_not_kept(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = BoardCache()
    real = board_module.fetch

    def build_during_a_report(*args: Any, **kwargs: Any) -> Any:
        cache.invalidate()  # a report committed while this board was being read
        return real(*args, **kwargs)

    monkeypatch.setattr(board_cache, "fetch", build_during_a_report)
    cache.serve(session, BoardFilter(region_id=1))
    monkeypatch.setattr(board_cache, "fetch", real)
    cache.serve(session, BoardFilter(region_id=1))
    assert cache.builds == 2


def test_boards_read_in_a_transaction_that_may_roll_back_are_not_shared(
    session: Session,
) -> None:
    bus = EventBus()
    # The fixture's session runs inside an outer transaction that the test rolls back.
    data = served_board(bus, session, BoardFilter()).entry.board
    assert data.rows
    assert cache_for(bus).builds == 0


def test_the_board_api_answers_the_board_and_documents_its_schema(
    login: Callable[[str], Browser], client: Browser,
) -> None:
    answer = login("coordinator").get("/api/v1/board", params={"region_id": 1})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    Board.model_validate(answer.json())
    spec = client.get("/openapi.json").json()
    documented = spec["paths"]["/api/v1/board"]["get"]["responses"]["200"]
    assert documented["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Board"}


def test_a_boards_renderings_are_made_once_per_version_of_the_board(
    db: Database, session: Session, own_unit: UnitBedType
) -> None:
    # Every open board refetches the table and the map after each report: one rendering per
    # board version serves them all, and a changed board gets a new one.
    import threading

    bus = EventBus()
    cache = cache_for(bus)
    flt = BoardFilter(bed_types=(own_unit.bed_type_code,))
    made: list[str] = []
    gate = threading.Event()

    def render() -> bytes:
        gate.wait(5)  # everyone asks while the first rendering is still being made
        made.append("x")
        return f"{len(made)}".encode()

    first = cache.serve(session, flt).entry
    answers: list[bytes] = []
    threads = [threading.Thread(target=lambda: answers.append(first.derived(("table", "nl"),
                                                                            render)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(10)
    assert answers == [b"1"] * 8
    assert cache.serve(session, flt).entry.derived(("table", "nl"), render) == b"1"
    assert first.derived(("table", "en"), render) == b"2"  # per language

    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=own_unit.unit_id, bed_type_code=own_unit.bed_type_code,
        staffed=own_unit.physical_beds, occupied=1)], ReportSource.API)
    _deliver_committed_events(db, session, bus, own_unit)
    assert cache.serve(session, flt).entry.derived(("table", "nl"), render) == b"3"


def test_a_board_once_built_is_known_even_after_it_expired(
    session: Session, own_unit: UnitBedType
) -> None:
    # The live stream pushes a board's changes when this process has built that board (a
    # page showed it), also once the entry expired: the push then builds it anew.
    cache = BoardCache()
    flt = BoardFilter(bed_types=(own_unit.bed_type_code,))
    assert not cache.knows(flt)
    entry = cache.serve(session, flt).entry
    assert cache.knows(flt)
    entry.expires = utcnow() - timedelta(seconds=1)
    assert cache.knows(flt)
    assert cache.serve(session, flt).entry is not entry  # expired: built again when asked
    assert not cache.knows(BoardFilter(bed_types=(own_unit.bed_type_code,), fresh_only=True))
