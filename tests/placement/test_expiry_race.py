"""Several app processes run the hold expiry on one PostgreSQL: each hold ends once, warned once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.placement.test_race import _race_database
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.capacity.models import BedState
from verkeerstoren.notifications.models import Notification
from verkeerstoren.placement import expiry, service
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    Reservation,
    ReservationStatus,
    StatusChange,
)
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

pytestmark = pytest.mark.postgres
HOLDS = 10  # the race unit has ten free beds
EXPIRED = 6  # the others end within the warning window
PROCESSES = 4


@pytest.fixture
def held_db(tmp_path: Path) -> Iterator[tuple[Database, int]]:
    """Ten committed holds: six past their time, four ending in two minutes."""
    for db, unit_id, request_ids in _race_database(tmp_path, occupied=0, requests=HOLDS):
        actor = system_actor("coordinator")
        with db.session() as session:
            bind_actor(session, actor)
            for n, request_id in enumerate(request_ids):
                # A hold made 40 minutes ago has ended; one made 28 minutes ago ends soon.
                made = utcnow() - timedelta(minutes=40 if n < EXPIRED else 28)
                service.reserve(session, actor, request_id, unit_id, "short_stay_high",
                                now=made)
        yield db, unit_id


def test_rounds_run_at_once_release_each_hold_once_and_warn_once(
    held_db: tuple[Database, int],
) -> None:
    db, unit_id = held_db
    start = threading.Barrier(PROCESSES)
    rounds: list[expiry.ExpiryRound] = []

    def process() -> None:
        start.wait()
        rounds.append(expiry.run_round(db))

    threads = [threading.Thread(target=process) for _ in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(rounds) == PROCESSES
    assert sum(r.expired for r in rounds) == EXPIRED
    assert sum(r.warned for r in rounds) == HOLDS - EXPIRED
    with db.session() as session:
        state = session.get(BedState, (unit_id, "short_stay_high"))
        assert state is not None
        assert state.held == HOLDS - EXPIRED
        statuses = session.execute(select(Reservation.status, func.count())
                                   .group_by(Reservation.status)).all()
        assert dict(statuses) == {ReservationStatus.EXPIRED: EXPIRED,
                                  ReservationStatus.HELD: HOLDS - EXPIRED}
        history = session.execute(
            select(StatusChange.reservation_id, func.count())
            .where(StatusChange.to_status == "reservation expired")
            .group_by(StatusChange.reservation_id)).all()
        assert len(history) == EXPIRED
        assert all(n == 1 for _, n in history), history
        reopened = session.scalar(select(func.count()).select_from(PlacementRequest).where(
            PlacementRequest.status == RequestStatus.OPEN))
        assert reopened == EXPIRED
        # Each hold tells its provider and its requester once.
        told = dict(session.execute(select(Notification.event, func.count())
                                    .group_by(Notification.event)).all())
        assert told["reservation.expired"] == 2 * EXPIRED
        assert told["reservation.expiring"] == 2 * (HOLDS - EXPIRED)
