"""The cost of one capacity report (issue 18 item 3), and that the statements saved kept its duties.

Not timed: these pin the SQL statements one ``POST /api/v1/availability/bulk`` sends with a
provider's bearer token, everything from the token to the commit-time audit writes included
(PostgreSQL 9 and SQLite 7 before this change), and check that every duty is still done: the
token's actor, organisation scoping, the history row, the bed state, the audit entry in the
log's chain, the availability event, and on PostgreSQL the row lock on the state before
``held`` is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, delete, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.conftest import Browser, is_postgres
from tests.demo_units import first_unit_bed_type, org_of
from verkeerstoren.access import service as access
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.audit import service as audit
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.capacity import states
from verkeerstoren.capacity.models import AvailabilityReport, BedState
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage import Database

# Statements of one report of one row, transaction control left out. PostgreSQL: the token,
# the lookup (targets, holds and the row lock in one), the history row with the state (one
# upsert), the chain lock with the NOTIFYs, the chain head, the audit INSERT. SQLite: the
# token, the lookup, the highest report id, the history row, the state, the audit INSERT (which
# reads the chain head itself).
MAX_STATEMENTS = {"postgresql": 6, "sqlite": 6}
BEFORE = {"postgresql": 9, "sqlite": 7}  # counted on the code before this change (92709a8)
DATABASE = "postgresql" if is_postgres() else "sqlite"
_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


@contextmanager
def counted(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) the app's engine sends, without transaction
    control."""
    seen: list[tuple[str, Any]] = []

    def _count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(_CONTROL):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


@pytest.fixture
def token(session: Session) -> access.IssuedToken:
    issued = access.create_token(session, name="epd", role=Role.PROVIDER,
                                 organisation_id=org_of(session, "provider"),
                                 created_by=system_actor("test"))
    session.flush()
    return issued


def _state(session: Session, ubt: UnitBedType) -> BedState | None:
    session.expire_all()
    return session.get(BedState, (ubt.unit_id, ubt.bed_type_code))


def _post(client: Browser, token: access.IssuedToken, ubt: UnitBedType,
          **values: int) -> Any:
    body = {"reports": [{"unit_id": ubt.unit_id, "bed_type_code": ubt.bed_type_code,
                         "staffed": 3, "occupied": 1, **values}]}
    return client.post("/api/v1/availability/bulk", json=body,
                       headers={"Authorization": f"Bearer {token.secret}"})


@pytest.mark.parametrize("first_report", [False, True], ids=["update", "first"])
def test_one_report_sends_at_most_six_statements_and_keeps_its_duties(
    app: FastAPI, db: Database, session: Session, own_unit: UnitBedType,
    token: access.IssuedToken, monkeypatch: pytest.MonkeyPatch, first_report: bool,
) -> None:
    published: list[dict[str, Any]] = []  # SQLite: the events, delivered after the commit
    monkeypatch.setattr(db.events, "publish", published.append)
    if first_report:  # no state yet: the upsert inserts it
        session.execute(delete(BedState).where(BedState.unit_id == own_unit.unit_id,
                                               BedState.bed_type_code == own_unit.bed_type_code))
        session.flush()
    before = _state(session, own_unit)
    version = before.version if before is not None else 0
    last_report = session.scalar(select(func.max(AvailabilityReport.id))) or 0
    last_entry = session.scalar(select(func.max(AuditEntry.id))) or 0
    with Browser(app, base_url="http://testserver") as client, counted(db) as statements:
        answer = _post(client, token, own_unit, staffed=3, occupied=1, blocked=1)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"accepted": 1}
    assert "set-cookie" not in answer.headers  # no browser session for a token's request

    assert len(statements) <= MAX_STATEMENTS[DATABASE], [s for s, _ in statements]
    assert len(statements) < BEFORE[DATABASE]
    # The history row, with the token's organisation and name …
    [report] = session.scalars(select(AvailabilityReport).where(
        AvailabilityReport.id > last_report))
    assert (report.unit_id, report.bed_type_code) == (own_unit.unit_id, own_unit.bed_type_code)
    assert (report.staffed, report.occupied, report.blocked) == (3, 1, 1)
    assert report.physical == own_unit.physical_beds
    assert report.organisation_id == org_of(session, "provider")
    assert report.reported_by == "token:epd"
    assert report.source.value == "api"
    # … the bed state it made current …
    state = _state(session, own_unit)
    assert state is not None
    assert (state.staffed, state.occupied, state.blocked) == (3, 1, 1)
    assert state.report_id == report.id
    assert state.version == version + 1
    assert state.organisation_id == report.organisation_id
    if first_report:
        assert state.held == 0
    # … its NEN 7513 entry, chained …
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.id > last_entry))
    assert (entry.action, entry.entity, entry.entity_id) == (
        "report", "availability_report", str(report.id))
    assert entry.actor_token_id == token.token.id
    assert entry.actor_label == "token:epd"
    assert entry.detail == '{"rows": 1, "source": "api"}'
    assert audit.verify(session).ok
    # … and the event for the live boards (PostgreSQL: a NOTIFY in the chain lock's statement).
    wanted = [own_unit.unit_id, own_unit.bed_type_code]
    if is_postgres():
        [payloads] = [p["payloads"] for s, p in statements if "pg_notify" in s]
        assert any('"type":"availability"' in p and str(wanted[0]) in p for p in payloads)
    else:
        assert [wanted] in [m.get("keys") for m in published if m["type"] == "availability"]


def test_a_report_for_another_organisations_unit_writes_nothing(
    app: FastAPI, session: Session, token: access.IssuedToken, other_unit: UnitBedType,
) -> None:
    before = _state(session, other_unit)
    last_report = session.scalar(select(func.max(AvailabilityReport.id))) or 0
    with Browser(app, base_url="http://testserver") as client:
        answer = _post(client, token, other_unit)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "unit_id"
    assert session.scalar(select(func.count()).select_from(AvailabilityReport).where(
        AvailabilityReport.id > last_report)) == 0
    after = _state(session, other_unit)
    assert (after.version if after else None) == (before.version if before else None)


def test_beds_held_count_against_a_report(
    app: FastAPI, session: Session, token: access.IssuedToken, own_unit: UnitBedType,
) -> None:
    state = _state(session, own_unit)
    assert state is not None
    state.staffed, state.occupied, state.blocked, state.held = 3, 0, 0, 2
    session.flush()
    with Browser(app, base_url="http://testserver") as client:
        refused = _post(client, token, own_unit, staffed=3, occupied=2)
        accepted = _post(client, token, own_unit, staffed=3, occupied=1)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "occupied"
    assert accepted.status_code == 201, accepted.text
    state = _state(session, own_unit)
    assert state is not None
    assert (state.occupied, state.held) == (1, 2)


@pytest.mark.skipif(not is_postgres(), reason="row locks are PostgreSQL's (SQLite: BEGIN "
                    "IMMEDIATE)")
def test_the_lookup_locks_the_states_until_the_commit(
    db: Database, session: Session, own_unit: UnitBedType,
) -> None:
    other = first_unit_bed_type(session, org_of(session, "provider2"))
    keys = {(own_unit.unit_id, own_unit.bed_type_code), (other.unit_id, other.bed_type_code)}
    found = states.lookup(session, keys, None)
    assert set(found) == keys
    assert all(f.held is not None for f in found.values())
    outside = create_engine(db.engine.url)
    try:
        with outside.connect() as conn:
            for unit_id, code in keys:
                with pytest.raises(OperationalError, match="could not obtain lock"):
                    conn.execute(text(
                        "SELECT 1 FROM bed_state WHERE unit_id = :u AND bed_type_code = :c "
                        "FOR UPDATE NOWAIT"), {"u": unit_id, "c": code})
                conn.rollback()
    finally:
        outside.dispose()
