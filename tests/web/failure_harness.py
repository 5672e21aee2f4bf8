"""The failure tests' harness: a demo database, tokens, real `serve` processes, consistency.

Not a test module: tests/web/test_failures.py uses it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench.bursts import prepare
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import across_organisations, bind_actor
from verkeerstoren.access.service import create_token
from verkeerstoren.capacity.models import BedState
from verkeerstoren.registry.models import CareUnit
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database
from verkeerstoren.storage.db import normalise_url

START_SECONDS = 240  # a loaded two-core machine starts a server slowly; only bounds the test


@dataclass
class Region:
    url: str
    coordinator: str  # bearer token
    provider: str  # bearer token of the organisation that owns `units`
    provider_org: int
    units: list[tuple[int, str, int]]  # (unit, bed type, staffed beds)


def _free_by_organisation(session: Session) -> dict[int, list[tuple[int, str, int]]]:
    """(unit, bed type, staffed beds) with a bed free now, per organisation. Beds held for open
    requests (the demo's, or an earlier test's on the same database) are not free: a
    reservation on one meets a full bed (409) that has nothing to do with the failure tested."""
    states = [s for s in session.scalars(select(BedState).where(BedState.staffed > 0))
              if s.available > 0]
    owner = {u.id: u.organisation_id for u in session.scalars(select(CareUnit))}
    by_org: dict[int, list[tuple[int, str, int]]] = {}
    for state in states:
        by_org.setdefault(owner[state.unit_id], []).append(
            (state.unit_id, state.bed_type_code, state.staffed))
    return {org: sorted(units) for org, units in by_org.items()}


def region(url: str) -> Region:
    """Demo region with every bed free (but the demo's holds), a coordinator token and a
    provider token."""
    coordinator = prepare(url)
    db = install_hooks(Database(url, pool_size=1))
    try:
        with db.session() as session:
            bind_actor(session, system_actor("failure tests"))
            with across_organisations(session):  # set-up: pick the provider with most beds
                by_org = _free_by_organisation(session)
            org = max(by_org, key=lambda o: sum(s for _, _, s in by_org[o]))
            issued = create_token(session, name="failure tests", role=Role.PROVIDER,
                                  organisation_id=org, created_by=system_actor("failure tests"))
            return Region(url, coordinator, issued.secret, org, by_org[org])
    finally:
        db.dispose()


def free_units(url: str, organisation: int) -> list[tuple[int, str, int]]:
    """The organisation's bed types with a bed free now, for a test that runs after others
    have held beds on the same database."""
    db = Database(url, pool_size=1)
    try:
        with db.session() as session:
            bind_actor(session, system_actor("failure tests"))
            with across_organisations(session):
                return _free_by_organisation(session).get(organisation, [])
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@contextmanager
def servers(url: str, count: int, logs: Path,
            settings: Mapping[str, str] | None = None,
            args: tuple[str, ...] = ()) -> Iterator[list[Server]]:
    """``count`` `verkeerstoren serve` processes on one database, each with a small pool."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERKEERSTOREN_")}
    env |= {"VERKEERSTOREN_DATABASE_URL": url, "VERKEERSTOREN_PULL_ENABLED": "false",
            "VERKEERSTOREN_DATABASE_POOL_SIZE": "2", "VERKEERSTOREN_LOG_FORMAT": "json",
            "VERKEERSTOREN_AUDIT_CHECKPOINT_FILE": str(logs / "checkpoints.jsonl"),
            "VERKEERSTOREN_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1", **(settings or {})}
    started: list[Server] = []
    try:
        for index in range(count):
            port = free_port()
            log = logs / f"server-{index}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "verkeerstoren", "serve", "--port", str(port), *args],
                    env=env, stdout=out, stderr=subprocess.STDOUT)
            started.append(Server(f"http://127.0.0.1:{port}", process, log))
        for server in started:
            wait_ready(server)
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.terminate()
        for server in started:
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()


def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(server.log.read_text())
        try:
            if httpx.get(f"{server.base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{server.base} not ready:\n{server.log.read_text()[-3000:]}")


def sql(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def half_written(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every way a reservation or report could be half there; all lists empty when whole.

    What belongs together is written in one transaction (docs/development.md): the hold, its
    status history, the provider's notification, the audit entries and the bed count.
    """
    checks = {
        "reservation without status history": """
            SELECT r.id FROM reservation r WHERE NOT EXISTS (
              SELECT 1 FROM placement_status_change c WHERE c.reservation_id = r.id)""",
        "reservation without notification": """
            SELECT r.id FROM reservation r WHERE NOT EXISTS (
              SELECT 1 FROM notification n WHERE n.reservation_id = r.id)""",
        # The ORM's insert is logged as a "create" of the table (audit.service._describe).
        "reservations and their audit entries differ in number": """
            SELECT held, logged FROM
              (SELECT count(*) AS held FROM reservation) AS r,
              (SELECT count(*) AS logged FROM audit_entry
               WHERE entity = 'reservation' AND action = 'create') AS a
            WHERE held <> logged""",
        # The tests' single reports (remark r<client>-<n>): one "report" entry each, by id.
        "report without audit entry": """
            SELECT r.id FROM availability_report r WHERE r.remark LIKE 'r%-%' AND NOT EXISTS (
              SELECT 1 FROM audit_entry a WHERE a.entity = 'availability_report'
                AND a.action = 'report' AND a.entity_id = CAST(r.id AS text))""",
        "beds held differ from holds": """
            SELECT s.unit_id, s.bed_type_code, s.held, count(r.id) FROM bed_state s
            LEFT JOIN reservation r ON r.unit_id = s.unit_id
                 AND r.bed_type_code = s.bed_type_code AND r.status = 'held'
            GROUP BY s.unit_id, s.bed_type_code, s.held HAVING s.held <> count(r.id)""",
        "request reserved without a hold": """
            SELECT p.id FROM placement_request p WHERE p.status = 'reserved' AND NOT EXISTS (
              SELECT 1 FROM reservation r WHERE r.request_id = p.id AND r.status = 'held')""",
    }
    return {name: sql(url, statement) for name, statement in checks.items()}
