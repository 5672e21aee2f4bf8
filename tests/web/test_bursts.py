"""Write bursts against a real `verkeerstoren serve` process (issue 12 item 3).

Many clients POST at the same moment. Whatever the load, a client gets an answer or a clean
503 with Retry-After, never another 5xx; every 201 it saw is a row in the database, and no row
exists for a client that did not get its 201. No timing is asserted: the clients' own
time-out only bounds the test (a client that times out fails it).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from bench.bursts import (
    Outcome,
    burst,
    free_beds,
    prepare,
    request_body,
    stored_requests,
    stored_reservations,
)
from bench.servers import app_servers
from sqlalchemy import create_engine, text

from tests.conftest import _create_database, is_postgres

CLIENT_TIMEOUT = 120.0  # bounds the test; a client that needs it fails the test
WAIT_SECONDS = "5"  # the server's database wait: longer than the hold in the client-gone test


class Served(NamedTuple):
    url: str
    base: str
    token: str
    beds: list[tuple[int, str]]
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A demo database of its own (the server commits for real) and one server on it."""
    url, drop = _create_database(tmp_path_factory.mktemp("bursts"), "bursts")
    logs = tmp_path_factory.mktemp("bursts-logs")
    try:
        token = prepare(url)
        # A small pool (3 + 6): the bursts queue for it, and the suite's PostgreSQL race test
        # (80 connections) still fits beside this server in the database server's 100.
        with app_servers(url, 1, logs, {"VERKEERSTOREN_DATABASE_WAIT_SECONDS": WAIT_SECONDS,
                                        "VERKEERSTOREN_DATABASE_POOL_SIZE": "3"}) as (base,):
            yield Served(url, base, token, free_beds(url), logs / "server-0.log")
    finally:
        drop()


def _assert_clean(outcome: Outcome, allowed: set[str]) -> None:
    assert set(outcome.statuses) <= allowed | {"503"}, outcome.statuses
    assert outcome.retry_after <= {str(n) for n in range(1, 61)}  # every 503 says when


def _assert_no_stall(served: Served) -> None:
    """No request waited for a connection (requests held them while waiting for a thread),
    and no writer polled SQLite's lock until it gave up (writers take turns in Python)."""
    log = served.log.read_text()
    assert "QueuePool limit" not in log
    assert "database is locked" not in log


def _assert_matches(outcome: Outcome, stored: dict[str, int]) -> None:
    assert outcome.created, "no client got its 201"
    assert {k: stored.get(k) for k in outcome.created} == outcome.created  # every 201 a row
    assert not outcome.not_created & set(stored)  # no row for a client without its 201


def test_a_burst_of_new_requests_gets_201s_or_clean_503s(served: Served) -> None:
    posts = [(f"burst-new-{n:04d}", "/api/v1/placement/requests",
              request_body(f"burst-new-{n:04d}", served.beds[n % len(served.beds)][1]))
             for n in range(80)]
    outcome = asyncio.run(burst("requests", served.base, served.token, posts, CLIENT_TIMEOUT))
    _assert_clean(outcome, {"201"})
    _assert_matches(outcome, stored_requests(served.url, {key for key, _, _ in posts}))
    _assert_no_stall(served)


def _open_requests(served: Served, prefix: str, beds: list[tuple[int, str]]) -> dict[str, int]:
    """One open request per bed (for its bed type), made one after the other."""
    made: dict[str, int] = {}
    with httpx.Client(base_url=served.base, timeout=CLIENT_TIMEOUT,
                      headers={"Authorization": f"Bearer {served.token}"}) as client:
        for n, (_, code) in enumerate(beds):
            key = f"{prefix}-{n:04d}"
            answer = client.post("/api/v1/placement/requests", json=request_body(key, code))
            assert answer.status_code == 201, answer.text
            made[key] = answer.json()["id"]
    return made


def test_a_burst_of_reservations_holds_each_bed_once_or_answers_409_or_503(
    served: Served,
) -> None:
    # More holds than beds; the first bed is left for the next test.
    others = [bed for bed in served.beds if bed != served.beds[0]]
    beds = [others[n % len(others)] for n in range(200)]
    made = _open_requests(served, "burst-hold", beds)
    holds = [(key, f"/api/v1/placement/requests/{made[key]}/reservations",
              {"unit_id": unit_id, "bed_type_code": code})
             for key, (unit_id, code) in zip(made, beds, strict=True)]
    outcome = asyncio.run(burst("holds", served.base, served.token, holds, CLIENT_TIMEOUT))
    _assert_clean(outcome, {"201", "409"})
    _assert_matches(outcome, stored_reservations(served.url, made))
    _assert_no_stall(served)


def _hold_the_bed(served: Served, unit_id: int, code: str, seconds: float) -> None:
    """Keep the server's reservation of this bed waiting for ``seconds`` (less than its wait):
    on SQLite by holding the write lock, on PostgreSQL by locking the bed's row."""
    if not is_postgres():
        path = served.url.removeprefix("sqlite:///")
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            time.sleep(seconds)
            other.execute("ROLLBACK")
        finally:
            other.close()
        return
    engine = create_engine(served.url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT 1 FROM bed_state WHERE unit_id = :u AND bed_type_code = :c"
                              " FOR UPDATE"), {"u": unit_id, "c": code})
            time.sleep(seconds)
    finally:
        engine.dispose()


def test_a_client_that_gave_up_gets_no_hold_committed(served: Served) -> None:
    unit_id, code = served.beds[0]
    (key, request_id), = _open_requests(served, "burst-gone", [(unit_id, code)]).items()

    async def give_up_while_the_bed_is_held() -> None:
        holder = asyncio.create_task(asyncio.to_thread(_hold_the_bed, served, unit_id, code, 2.0))
        await asyncio.sleep(0.3)  # the holder has the lock
        async with httpx.AsyncClient(base_url=served.base,
                                     headers={"Authorization": f"Bearer {served.token}"}) as c:
            with pytest.raises(httpx.TimeoutException):
                await c.post(f"/api/v1/placement/requests/{request_id}/reservations",
                             json={"unit_id": unit_id, "bed_type_code": code}, timeout=0.5)
        await holder

    asyncio.run(give_up_while_the_bed_is_held())
    # The server went on once the bed was free, and saw the client was gone before committing.
    deadline = time.monotonic() + CLIENT_TIMEOUT
    while not (held := stored_reservations(served.url, {key: request_id})):
        if "client left before the commit" in served.log.read_text():
            break
        assert time.monotonic() < deadline, "the server never reached the commit"
        time.sleep(0.2)
    assert held == {}, "a hold was committed for a client that had gone"
