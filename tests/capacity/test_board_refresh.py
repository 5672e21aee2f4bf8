"""The board cache refreshes only the keys an event names, and stays equal to a fresh build.

The property: whatever mix of reports, holds, releases, bulk changes and passing time, every
board the cache hands out is byte for byte the board a full build makes from the database at
that board's moment (``generated_at``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import holds, service
from verkeerstoren.capacity.board import BoardFilter, build
from verkeerstoren.capacity.board_cache import BoardCache, event_keys
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import Board, ReportIn
from verkeerstoren.errors import DomainError
from verkeerstoren.registry.models import CareUnit, Gemeente, Location, UnitBedType
from verkeerstoren.storage import Database, events
from verkeerstoren.storage.base import utcnow

Key = tuple[int, str]


def _publish(cache: BoardCache, pending: list[dict[str, Any]], keys: list[Key]) -> None:
    # Deliver what the commit would (SQLite in memory; PostgreSQL through NOTIFY and every
    # process's LISTEN thread): the test's transaction is rolled back, never committed.
    named = [m.get("keys") for m in pending if m["type"] == "availability"]
    assert all([list(k)] in named for k in keys), pending
    for message in pending:
        cache.on_event(message)


def _filters(session: Session) -> list[BoardFilter]:
    region = session.scalar(select(Gemeente.region_id).where(Gemeente.region_id.is_not(None))
                            .order_by(Gemeente.code))
    gemeente = session.scalar(select(Location.gemeente_code).order_by(Location.id))
    code = session.scalar(select(UnitBedType.bed_type_code).order_by(UnitBedType.unit_id))
    assert region is not None
    assert gemeente is not None
    assert code is not None
    return [
        BoardFilter(),
        BoardFilter(region_id=region, fresh_only=True),
        BoardFilter(bed_types=(code,), available_only=True),
        BoardFilter(gemeenten=(gemeente,)),
    ]


# Mostly a few keys, so that reports, holds and releases meet on the same row between two
# looks at the boards (the order in which a refresh applies them then matters).
unit = st.one_of(st.integers(0, 3), st.integers(0, 10_000))
operation = st.one_of(
    st.tuples(st.just("report"), unit, st.floats(0, 1), st.floats(0, 1), st.booleans()),
    st.tuples(st.just("hold"), unit),
    st.tuples(st.just("release"), unit),
    st.tuples(st.just("bulk")),
    st.tuples(st.just("time"), st.integers(1, 40 * 3600)),
)


def test_a_refreshed_board_equals_a_fresh_build(db: Database, session: Session) -> None:
    keys: list[tuple[int, str, int]] = [
        (u, c, p) for u, c, p in session.execute(
            select(UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds)
            .join(CareUnit).where(CareUnit.active.is_(True))
            .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code))]
    filters = _filters(session)
    actor = system_actor("property")
    seen: Counter[str] = Counter()

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    # Each operation says whether the boards are looked at after it (always after the last).
    @given(st.lists(st.tuples(operation, st.booleans()), min_size=1, max_size=12))
    def run(operations: list[tuple[tuple[Any, ...], bool]]) -> None:
        example = session.begin_nested()  # every example starts from the same database
        try:
            cache = BoardCache()
            now = utcnow()
            held: Counter[Key] = Counter()
            for flt in filters:
                cache.serve(session, flt, now=now)
            for number, (op, look) in enumerate(operations, 1):
                kind = op[0]
                if kind == "time":
                    now += timedelta(seconds=op[1])
                elif kind == "bulk":
                    cache.on_event({"type": "availability", "count": 60})
                else:
                    unit_id, code, physical = keys[op[1] % len(keys)]
                    key = (unit_id, code)
                    step = session.begin_nested()
                    try:
                        if kind == "report":
                            staffed = round(physical * op[2])
                            occupied = round(max(staffed - held[key], 0) * op[3])
                            service.submit_reports(session, actor, [ReportIn(
                                unit_id=unit_id, bed_type_code=code, staffed=staffed,
                                occupied=occupied, remark="rapport" if op[4] else None,
                                expected_free_date=(now + timedelta(days=2)).date()
                                if op[4] else None)], ReportSource.API, now=now)
                        elif kind == "hold":
                            if holds.hold_bed(session, unit_id, code, now - timedelta(days=3)):
                                held[key] += 1
                        elif held[key]:
                            holds.release_hold(session, unit_id, code)
                            held[key] -= 1
                        step.commit()
                    except DomainError:
                        step.rollback()  # takes the step's queued events with it
                    else:
                        _publish(cache, events.queued(session), [])
                if not look and number < len(operations):
                    continue
                for flt in filters:
                    entry, how = cache.serve(session, flt, now=now)
                    seen[how] += 1
                    fresh = build(session, flt, now=entry.data.generated_at)
                    assert entry.json() == fresh.json(), (flt, how)
            seen["rows from events"] += cache.rows_from_events
            seen["rows read"] += cache.rows_read
        finally:
            example.rollback()

    run()
    # The property is only worth something if all three ways of answering were exercised.
    assert seen["refresh"], seen
    assert seen["full"], seen
    assert seen["cached"], seen
    # … and both ways of refreshing a row: from a report's event, and read again after a hold.
    assert seen["rows from events"], seen
    assert seen["rows read"], seen


def test_a_report_refreshes_the_board_without_a_full_build(
    db: Database, session: Session
) -> None:
    cache = BoardCache()
    flt = BoardFilter()
    first = cache.serve(session, flt).entry
    row = next(r for r in first.data.rows if r["staffed"] >= 1)
    key = (row["unit_id"], row["bed_type_code"])
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=key[0], bed_type_code=key[1], staffed=row["staffed"], occupied=0,
        remark="ververst")], ReportSource.API)
    _publish(cache, events.queued(session), [key])
    after, how = cache.serve(session, flt)
    assert how == "refresh"
    assert (cache.builds, cache.refreshes) == (1, 1)
    assert (cache.rows_from_events, cache.rows_read) == (1, 0)  # the event said enough
    changed = next(r for r in after.data.rows if (r["unit_id"], r["bed_type_code"]) == key)
    assert changed["remark"] == "ververst"
    assert changed["occupied"] == 0
    # An event without keys (a bulk report of more than 50 rows) empties the cache.
    cache.on_event({"type": "availability", "count": 60})
    assert cache.serve(session, flt)[1] == "full"


def test_a_change_outside_the_filter_leaves_the_board_as_it_is(session: Session) -> None:
    cache = BoardCache()
    code = session.scalar(select(UnitBedType.bed_type_code).order_by(UnitBedType.unit_id))
    assert code is not None
    flt = BoardFilter(bed_types=(code,))
    first = cache.serve(session, flt).entry
    cache.on_event({"type": "availability", "keys": [[1, "no_such_bed_type"]]})
    entry, how = cache.serve(session, flt)
    assert how == "cached"
    assert entry.data is first.data
    assert cache.refreshes == 0


def testevent_keys_must_all_be_unit_and_bed_type_pairs() -> None:
    assert event_keys({"keys": [[1, "grz"], [2, "hospice"]]}) == ((1, "grz"), (2, "hospice"))
    assert event_keys({"count": 60}) is None
    assert event_keys({"truncated": True}) is None
    assert event_keys({"keys": [[1, "grz"], ["x", "grz"]]}) is None
    assert event_keys({"keys": [[1]]}) is None


def test_the_board_json_is_the_board_models_json(session: Session) -> None:
    data = build(session, BoardFilter(), now=utcnow())
    assert data.rows
    assert data.json() == data.model().model_dump_json().encode()
    assert Board.model_validate_json(data.json()) == data.model()


def test_the_api_says_how_it_made_the_board(login: Callable[[str], Browser]) -> None:
    answer = login("coordinator").get("/api/v1/board")
    assert answer.status_code == 200
    assert answer.headers["server-timing"].startswith('board;desc="full";dur=')


def test_a_report_needs_no_read_and_a_hold_does(session: Session) -> None:
    """A report's event carries the new state, so a live board's stream can refresh the
    board without a session; a hold's event names only its key, so the row is read again."""
    cache = BoardCache()
    flt = BoardFilter()
    first = cache.serve(session, flt).entry
    row = next(r for r in first.data.rows if r["staffed"] >= 2 and not r["stale"])
    key = (row["unit_id"], row["bed_type_code"])
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=key[0], bed_type_code=key[1], staffed=row["staffed"], occupied=1,
        remark="uit het bericht")], ReportSource.API)
    _publish(cache, events.queued(session), [key])
    served = cache.serve_from_events(flt)
    assert served is not None
    assert served.how == "refresh"
    assert (cache.rows_from_events, cache.rows_read) == (1, 0)
    assert served.entry.data.rows_for([key])[0]["remark"] == "uit het bericht"
    assert served.entry.json() == build(session, flt, now=served.entry.data.generated_at).json()

    assert holds.hold_bed(session, key[0], key[1], utcnow() - timedelta(days=1))
    _publish(cache, events.queued(session), [key])
    assert cache.serve_from_events(flt) is None  # the held figure is not in the event
    entry, how = cache.serve(session, flt)
    assert how == "refresh"
    assert (cache.rows_from_events, cache.rows_read) == (1, 1)
    assert entry.data.rows_for([key])[0]["held"] == row["held"] + 1
    assert entry.json() == build(session, flt, now=entry.data.generated_at).json()


def test_an_event_with_a_state_that_is_not_one_is_read_instead(session: Session) -> None:
    cache = BoardCache()
    flt = BoardFilter()
    row = cache.serve(session, flt).entry.data.rows[0]
    key = [row["unit_id"], row["bed_type_code"]]
    good = ["2026-12-04T10:00:00+00:00", 5, 5, 1, 0, 0, None, None]
    for bad in (good[:7], ["2026-12-04T10:00:00", *good[1:]], [good[0], True, *good[2:]],
                [good[0], *good[1:6], "morgen", None], [good[0], *good[1:7], 7], "x"):
        cache.on_event({"type": "availability", "keys": [key], "states": [bad]})
        assert cache.serve_from_events(flt) is None, bad
        assert cache.serve(session, flt).how == "refresh"
    cache.on_event({"type": "availability", "keys": [key], "states": [good]})
    served = cache.serve_from_events(flt)
    assert served is not None
    assert served.entry.data.rows_for([tuple(key)])[0]["occupied"] == 1


def test_a_report_too_long_for_one_notify_is_sent_without_its_states(session: Session) -> None:
    keys = [(u, c) for u, c in session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code).join(CareUnit)
        .where(CareUnit.active.is_(True)).order_by(UnitBedType.unit_id).limit(30))]
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=u, bed_type_code=c, staffed=0, occupied=0, remark="x" * 400) for u, c in keys],
        ReportSource.API)
    (message,) = [m for m in events.queued(session) if m["type"] == "availability"]
    assert message["keys"] == [list(k) for k in keys]  # still named: the boards read them
    assert "states" not in message



def test_the_newest_change_of_a_row_decides(session: Session) -> None:
    """Several changes of one row between two looks: the board shows what the last one left
    (events arrive in commit order), whether it came with its state or must be read."""
    cache = BoardCache()
    flt = BoardFilter()
    first = cache.serve(session, flt).entry
    row = next(r for r in first.data.rows if r["staffed"] >= 3 and not r["stale"])
    key = (row["unit_id"], row["bed_type_code"])

    def report(occupied: int) -> None:
        service.submit_reports(session, system_actor("test"), [ReportIn(
            unit_id=key[0], bed_type_code=key[1], staffed=row["staffed"], occupied=occupied)],
            ReportSource.API)
        _publish(cache, events.queued(session), [key])

    def hold() -> None:
        assert holds.hold_bed(session, key[0], key[1], utcnow() - timedelta(days=1))
        _publish(cache, events.queued(session), [key])

    def look(*, needs_read: bool) -> dict[str, Any]:
        if needs_read:
            assert cache.serve_from_events(flt) is None
        served = cache.serve_from_events(flt) or cache.serve(session, flt)
        assert served.entry.json() == build(
            session, flt, now=served.entry.data.generated_at).json()
        return served.entry.data.rows_for([key])[0]

    report(1)
    report(0)
    assert look(needs_read=False)["occupied"] == 0
    hold()
    report(1)  # its state carries the hold taken before it
    assert look(needs_read=False)["held"] == row["held"] + 1
    report(0)
    hold()  # the newest change came without its state
    assert look(needs_read=True)["held"] == row["held"] + 2
