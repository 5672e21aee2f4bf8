"""A live board's event stream carries the changed rows, rendered for that board's filter."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import service
from verkeerstoren.capacity.board import BoardFilter
from verkeerstoren.capacity.board_cache import BoardCache, cache_for
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.registry.models import CareUnit, Gemeente, Location, UnitBedType
from verkeerstoren.storage import Database, events


def _region_of(session: Session, ubt: UnitBedType) -> int:
    region = session.scalar(
        select(Gemeente.region_id).join(Location, Location.gemeente_code == Gemeente.code)
        .join(CareUnit, CareUnit.location_id == Location.id).where(CareUnit.id == ubt.unit_id))
    assert region is not None
    return region


def _events(browser: Browser, path: str, publish: Callable[[], None],
            wanted: int) -> list[dict[str, object]]:
    """The data of the first ``wanted`` availability events on the stream at ``path``."""
    found: list[dict[str, object]] = []
    with browser.stream("GET", path) as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        assert next(lines).startswith("retry:")
        # Published once the stream is listening (its retry line has been sent).
        threading.Timer(0.2, publish).start()
        event = ""
        deadline = time.monotonic() + 20
        for line in lines:
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "availability":
                found.append(json.loads(line[6:]))
                if len(found) == wanted:
                    break
            assert time.monotonic() < deadline
    return found


def test_a_report_reaches_an_open_board_with_its_row_for_that_boards_filter(
    db: Database, session: Session, login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    region = _region_of(session, own_unit)
    key = [own_unit.unit_id, own_unit.bed_type_code]
    coordinator = login("coordinator")
    # The board page was opened: this filter's board is kept in the process's cache.
    cache_for(db.events).serve(session, BoardFilter(region_id=region))

    path = f"/board/events?region_id={region}"
    (with_rows,) = _events(coordinator, path, lambda: db.events.publish(
        {"type": "availability", "keys": [key]}), 1)
    rows = with_rows["rows"]
    assert isinstance(rows, str)
    assert f'data-unit="{key[0]}" data-bed-type="{key[1]}"' in rows
    assert 'class="totals"' in rows
    # A bulk report names no rows: the board fetches its whole table instead.
    (bulk,) = _events(coordinator, path, lambda: db.events.publish(
        {"type": "availability", "count": 60}), 1)
    assert "rows" not in bulk

    # A board of another region: the same report is not on it, and is not sent to it. The
    # bulk report published right after it is the first event that board receives.
    other = session.scalar(select(Gemeente.region_id).where(
        Gemeente.region_id.is_not(None), Gemeente.region_id != region).limit(1))
    assert other is not None
    cache_for(db.events).serve(session, BoardFilter(region_id=other))

    def report_then_bulk() -> None:
        db.events.publish({"type": "availability", "keys": [key]})
        db.events.publish({"type": "availability", "count": 60})

    (first_elsewhere,) = _events(coordinator, f"/board/events?region_id={other}",
                                 report_then_bulk, 1)
    assert first_elsewhere == {"type": "availability", "count": 60}


def test_a_reports_new_figures_reach_the_board_from_its_event_alone(
    db: Database, session: Session, login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    region = _region_of(session, own_unit)
    key = [own_unit.unit_id, own_unit.bed_type_code]
    cache = cache_for(db.events)
    # The board page was opened: this process keeps the board.
    board = cache.serve(session, BoardFilter(region_id=region)).entry.data
    before = board.rows_for([(own_unit.unit_id, own_unit.bed_type_code)])
    staffed = own_unit.physical_beds
    occupied = 0 if before[0]["occupied"] else 1  # differs from what the board showed
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=key[0], bed_type_code=key[1], staffed=staffed, occupied=occupied)],
        ReportSource.API)
    queued = events.queued(session)
    assert any("states" in m for m in queued)
    read_before = cache.rows_read

    def publish() -> None:
        for message in queued:
            db.events.publish(message)

    (pushed,) = _events(login("coordinator"), f"/board/events?region_id={region}", publish, 1)
    assert f'<td class="num">{staffed}</td><td class="num">{occupied}</td>' in str(
        pushed["rows"])
    assert "states" not in pushed  # for the server's boards; the browser gets the HTML rows
    assert cache.rows_read == read_before  # nothing was read back for it
    assert cache.rows_from_events >= 1


def _event_names(browser: Browser, path: str, publish: Callable[[], None]) -> list[str]:
    """The names of the events on the stream at ``path`` up to its first availability event."""
    names: list[str] = []
    with browser.stream("GET", path) as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        assert next(lines).startswith("retry:")
        threading.Timer(0.2, publish).start()
        deadline = time.monotonic() + 20
        for line in lines:
            if line.startswith("event: "):
                names.append(line[7:])
                if names[-1] == "availability":
                    break
            assert time.monotonic() < deadline
    return names


# Every other kind of event the app publishes (placement/visibility.py, notifications/service.py,
# capacity/intake.py), with what each names: ids of another organisation's request, notification
# or team. The board page listens to availability alone (board.js).
OTHER_EVENTS = [
    {"type": "placement", "request_id": 7, "referrer_organisation_id": 999},
    {"type": "notification", "organisation_id": 999, "event": "reservation.new", "id": 3},
    {"type": "intake", "team_id": 5},
]


def _names_after_other_events(db: Database, browser: Browser, region: int) -> list[str]:
    """The event names a region's board stream shows when OTHER_EVENTS and then a bulk
    report's availability event are published."""
    def publish() -> None:
        for message in OTHER_EVENTS:
            db.events.publish(message)
        db.events.publish({"type": "availability", "count": 60})

    return _event_names(browser, f"/board/events?region_id={region}", publish)


def test_a_board_stream_carries_availability_alone_and_is_not_woken_for_other_events(
    db: Database, session: Session, login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    region = _region_of(session, own_unit)
    cache = cache_for(db.events)
    cache.serve(session, BoardFilter(region_id=region))

    names = _names_after_other_events(db, login("coordinator"), region)
    assert names == ["availability"]
    # Dropped in the publishing thread: a thousand open boards are not woken for them.
    concerns = cache.concerns_for(BoardFilter(region_id=region))
    assert [concerns(m) for m in OTHER_EVENTS] == [False, False, False]
    assert concerns({"type": "availability", "count": 60})


def test_a_board_stream_drops_other_events_even_when_its_filter_fails(
    db: Database, session: Session, login: Callable[[str], Browser], own_unit: UnitBedType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: object, flt: BoardFilter, message: dict[str, object]) -> bool:
        raise RuntimeError("filter failed")

    # The bus then delivers every event (a change must not be hidden from a board).
    monkeypatch.setattr(BoardCache, "concerns", broken)
    region = _region_of(session, own_unit)

    names = _names_after_other_events(db, login("coordinator"), region)
    assert names == ["availability"]
