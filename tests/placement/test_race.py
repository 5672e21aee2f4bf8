"""No double booking, ever: many real connections race for the last free bed (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import _create_database, is_postgres
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.capacity import service as capacity
from verkeerstoren.capacity.models import BedState, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import Conflict
from verkeerstoren.placement import service
from verkeerstoren.placement.models import Reservation, ReservationStatus
from verkeerstoren.placement.schemas import RequestIn
from verkeerstoren.registry.models import (
    CareUnit,
    Gemeente,
    Location,
    Organisation,
    OrganisationKind,
    UnitBedType,
)
from verkeerstoren.registry.reference import ensure_reference_data
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.base import utcnow
from verkeerstoren.storage.db import normalise_url

pytestmark = pytest.mark.postgres
RACERS = 200
# Connections the race may use at most, and at least (fewer prove little: the test is skipped).
MAX_RACING = 80
MIN_RACING = 10
# Left free for the other people and tests on the same server (and its reserved slots).
MARGIN = 10


def _free_connections(url: str) -> int:
    """How many connections this race may open: the server's max_connections minus those in
    use, its superuser reserve and a margin, at most MAX_RACING."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
            reserved = int(conn.execute(text("SHOW superuser_reserved_connections")).scalar_one())
            used = int(conn.execute(text("SELECT count(*) FROM pg_stat_activity")).scalar_one())
    finally:
        engine.dispose()
    return min(MAX_RACING, limit - reserved - used - MARGIN)


def _pool_size(budget: int) -> int:
    """The largest pool whose size plus overflow (storage.db.Database) fits in ``budget``."""
    return next(p for p in range(budget, 0, -1) if p + min(20, 2 * p) <= budget)


@pytest.fixture
def race_db(tmp_path: Path) -> Iterator[tuple[Database, int, list[int]]]:
    """A committed database with one unit that has exactly one free bed and 200 requests."""
    yield from _race_database(tmp_path, occupied=9, requests=RACERS)


@pytest.fixture
def one_request_db(tmp_path: Path) -> Iterator[tuple[Database, int, list[int]]]:
    """A committed database with one unit that has ten free beds and a single request."""
    yield from _race_database(tmp_path, occupied=0, requests=1)


def _race_database(tmp_path: Path, *, occupied: int,
                   requests: int) -> Iterator[tuple[Database, int, list[int]]]:
    if not is_postgres():
        pytest.skip("the race is run on PostgreSQL (SQLite serialises every writer anyway)")
    url, drop = _create_database(tmp_path, "race")
    migrate.upgrade(url)
    budget = _free_connections(url)
    if budget < MIN_RACING:
        drop()
        pytest.skip(f"only {budget} PostgreSQL connections free; the race needs {MIN_RACING}")
    db = install_hooks(Database(url, pool_size=_pool_size(budget)))
    print(f"race: {db.capacity} connections (server has {budget} free beside a margin)")
    with db.session() as session:
        bind_actor(session, system_actor("race setup"))
        ensure_reference_data(session)
        org = Organisation(name="Racehuis", kind=OrganisationKind.PROVIDER)
        coordination = Organisation(name="CCP", kind=OrganisationKind.COORDINATION_POINT)
        session.add_all([Gemeente(code="GM0637", name="Zoetermeer"), org, coordination])
        session.flush()
        location = Location(organisation_id=org.id, name="Locatie", postcode="2711AB",
                            gemeente_code="GM0637", latitude=52.06, longitude=4.49)
        session.add(location)
        session.flush()
        unit = CareUnit(organisation_id=org.id, location_id=location.id, name="Afdeling")
        session.add(unit)
        session.flush()
        session.add(UnitBedType(unit_id=unit.id, bed_type_code="short_stay_high",
                                physical_beds=10))
        session.flush()
        capacity.submit_reports(session, system_actor(), [ReportIn(
            unit_id=unit.id, bed_type_code="short_stay_high", staffed=10, occupied=occupied)],
            ReportSource.API)
        actor = system_actor("coordinator")
        ids = []
        for n in range(requests):
            created = service.create_request(session, actor, RequestIn.model_validate({
                "pseudonym": f"race-{n:04d}", "birth_year": 1940, "sex": "f",
                "postcode_area": 2711, "referrer_name": "Dr. R", "bed_types": ["short_stay_high"],
                "wanted_start": utcnow().date(), "financing": "zvw", "urgency": "today",
                "referrer_organisation_id": coordination.id}))
            ids.append(created.id)
        unit_id = unit.id
    yield db, unit_id, ids
    db.dispose()
    drop()


def _race(db: Database, unit_id: int, request_ids: list[int]) -> list[str]:
    """One thread per request id, all reserving in the unit at once: 'ok', 'conflict' or error."""
    start = threading.Barrier(len(request_ids))
    outcomes: list[str] = []
    backends: set[int] = set()
    lock = threading.Lock()

    def racer(request_id: int) -> None:
        start.wait()
        try:
            with db.session() as session:
                bind_actor(session, system_actor("racer"))
                pid = session.connection().connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
                with lock:
                    backends.add(pid)
                service.reserve(session, system_actor("racer"), request_id, unit_id,
                                "short_stay_high")
            result = "ok"
        except Conflict:
            result = "conflict"
        except Exception as exc:  # anything else is a failure of the test
            result = f"error: {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=racer, args=(rid,)) for rid in request_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Every connection of the pool took part (the racers outnumber them or equal them).
    print(f"race: {len(request_ids)} racers on {len(backends)} PostgreSQL connections")
    assert len(backends) == min(db.capacity, len(request_ids)), (len(backends), db.capacity)
    return outcomes


def test_200_concurrent_reservations_for_the_last_bed_give_one_success(
    race_db: tuple[Database, int, list[int]],
) -> None:
    db, unit_id, request_ids = race_db
    outcomes = _race(db, unit_id, request_ids)
    assert sorted(set(outcomes)) == ["conflict", "ok"], [o for o in outcomes if o.startswith("e")]
    assert outcomes.count("ok") == 1
    assert outcomes.count("conflict") == RACERS - 1
    with db.session() as session:
        state = session.get(BedState, (unit_id, "short_stay_high"))
        assert state is not None
        assert (state.occupied, state.held, state.staffed) == (9, 1, 10)
        held = session.scalar(select(func.count()).select_from(Reservation).where(
            Reservation.status == ReservationStatus.HELD))
        assert held == 1


def test_one_request_raced_for_ten_free_beds_holds_one_bed(
    one_request_db: tuple[Database, int, list[int]],
) -> None:
    """Two coordinators reserving for the same patient at once: one hold, never two."""
    db, unit_id, (request_id,) = one_request_db
    outcomes = _race(db, unit_id, [request_id] * 10)
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("conflict") == 9, outcomes
    with db.session() as session:
        state = session.get(BedState, (unit_id, "short_stay_high"))
        assert state is not None
        assert (state.occupied, state.held) == (0, 1)
        holds = session.scalar(select(func.count()).select_from(Reservation).where(
            Reservation.request_id == request_id))
        assert holds == 1
