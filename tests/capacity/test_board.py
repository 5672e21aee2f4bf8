"""The regional board: freshness, filters, totals, exports and live events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import service
from verkeerstoren.capacity.board import BoardFilter, board
from verkeerstoren.capacity.freshness import age_text, is_stale
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage import Database, events
from verkeerstoren.storage.base import utcnow


def test_a_figure_older_than_its_maximum_age_is_stale() -> None:
    now = utcnow()
    assert not is_stale(now - timedelta(hours=23), 24, now)
    assert is_stale(now - timedelta(hours=25), 24, now)
    assert is_stale(None, 24, now)
    assert age_text(now - timedelta(hours=3), now, "nl") == "3 uur geleden"


def test_the_board_ranks_fresh_availability_above_stale(session: Session) -> None:
    rows = board(session, BoardFilter()).rows
    stale_seen = False
    for row in rows:
        if row.stale:
            stale_seen = True
        else:
            assert not stale_seen, "a fresh row after a stale one"
    assert any(r.stale for r in rows), "the demo has stale units"


def test_filters_narrow_the_board(session: Session, own_unit: UnitBedType) -> None:
    code = own_unit.bed_type_code
    rows = board(session, BoardFilter(bed_types=(code,))).rows
    assert rows
    assert {r.bed_type_code for r in rows} == {code}
    fresh = board(session, BoardFilter(fresh_only=True)).rows
    assert all(not r.stale for r in fresh)
    zoetermeer = board(session, BoardFilter(gemeenten=("GM0637",))).rows
    assert {r.gemeente_code for r in zoetermeer} == {"GM0637"}


def test_totals_count_only_fresh_availability_as_fresh(session: Session) -> None:
    data = board(session, BoardFilter())
    for total in data.totals_by_bed_type:
        rows = [r for r in data.rows if r.bed_type_code == total.key]
        assert total.fresh_available == sum(max(r.available, 0) for r in rows if not r.stale)


def test_the_board_page_and_exports_work_for_a_coordinator(
    login: Callable[[str], Browser]
) -> None:
    coordinator = login("coordinator")
    page = coordinator.get("/board")
    assert page.status_code == 200
    assert "Regiobord" in page.text
    assert coordinator.get("/api/v1/board/export?format=csv").content.startswith(
        "\ufeffOrganisatie;".encode())
    xlsx = coordinator.get("/api/v1/board/export?format=xlsx")
    assert xlsx.content.startswith(b"PK")
    spec = coordinator.get("/board/map.json").json()
    assert spec["layer"][0]["mark"]["type"] == "geoshape"


def test_a_provider_does_not_see_the_regional_board(login: Callable[[str], Browser]) -> None:
    assert login("provider").get("/board").status_code == 403


def test_a_committed_report_is_published_to_subscribers(
    db: Database, session: Session, own_unit: UnitBedType
) -> None:
    """Events reach subscribers after commit (SQLite: in memory; PostgreSQL: NOTIFY)."""
    received: list[dict[str, object]] = []

    async def scenario() -> None:
        with db.events.listen() as queue:
            service.submit_reports(session, system_actor(), [ReportIn(
                unit_id=own_unit.unit_id, bed_type_code=own_unit.bed_type_code,
                staffed=1, occupied=0)], ReportSource.API)
            # The test's session lives inside a rolled-back outer transaction, so
            # deliver the queued events as a real commit would.
            for message in events.queued(session):
                db.events.publish(message)
            received.append(await asyncio.wait_for(queue.get(), 5))

    asyncio.run(scenario())
    assert received[0]["type"] == "availability"


def test_sqlite_datetimes_parse_as_utc_with_or_without_an_offset() -> None:
    from verkeerstoren.capacity.board import _sqlite_datetime

    # The fast path (naive text + "+00:00") must give what fromisoformat().replace() gave.
    for text in ("2026-11-21 16:40:19.598214", "2026-11-21 16:40:19", "2026-11-21 16:40",
                 "2026-11-21 16:40:19.598214+00:00", "2026-11-21T16:40:19Z",
                 "2026-11-21 16:40:19-02:00"):
        parsed = _sqlite_datetime(text)
        assert parsed == datetime.fromisoformat(text).replace(tzinfo=UTC), text
        assert parsed is not None
        assert parsed.tzinfo is UTC
    assert _sqlite_datetime(None) is None
