"""Failures survived (issue 18 item 2), proven through running `verkeerstoren serve` processes.

- kill -9 of one of two app processes in the middle of reservations and reports: nothing is
  half-written, every answered 201 is in the database, the other process goes on;
- every connection of the app to the database cut (pg_terminate_backend on the test's own
  database; the machine's PostgreSQL is never restarted): reporting works again within 5 s
  without a restart, no accepted report is lost, and an open live-board stream hears of
  changes again without being reopened;
- a webhook receiver that times out or answers 500: the reservation is answered at once, the
  failed attempt is logged and retried later (backoff), and the retry delivers.

No timing is asserted except the 5 s the issue names for the reconnect; the clients' own
time-outs only bound the test.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from bench.bursts import request_body

from tests.conftest import _create_database, is_postgres
from tests.web.failure_harness import Region, Server, half_written, region, servers, sql

pytestmark = pytest.mark.postgres
RECONNECT_SECONDS = 5.0  # the bound


def _fresh_region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    if not is_postgres():
        pytest.skip("several processes on one database, and pg_terminate_backend: PostgreSQL")
    url, drop = _create_database(tmp_path_factory.mktemp("failures"), "failures")
    try:
        yield region(url)
    finally:
        drop()


@pytest.fixture(scope="module")
def demo_region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    """Shared by the tests that only need some free beds: each leaves holds behind."""
    yield from _fresh_region(tmp_path_factory)


@pytest.fixture
def own_region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    """A region no other test has used: every bed free but the demo's own holds.

    The kill -9 test's coordinators hold the provider's beds unit after unit for as long as
    the test runs (longer on a loaded machine) and never release them. The demo has one
    multifunctional unit (4 beds, the provider's first unit); once the kill test had held all
    four, matching offered nothing for a multifunctional request and the reservation answered
    a correct 409 "no free bed" — the flaky first reservation of full PostgreSQL runs, where
    the kill test had run first in the same worker on the same module-scoped region.
    """
    yield from _fresh_region(tmp_path_factory)


class Load:
    """Coordinators reserving and a provider reporting, in threads, against some servers."""

    def __init__(self, demo: Region, bases: list[str]) -> None:
        self.demo = demo
        self.bases = bases
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.reports_accepted: list[str] = []  # remarks of reports answered 201
        self.reports_unanswered: list[str] = []
        self.holds_accepted: dict[int, int] = {}  # reservation id -> request id
        self.statuses: dict[str, int] = {}
        self.first_ok_after: dict[str, float] = {}  # per kind: first 201 after `mark`
        self.mark = float("inf")

    def _count(self, key: str) -> None:
        with self.lock:
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def _ok(self, kind: str) -> None:
        now = time.monotonic()
        with self.lock:
            if now > self.mark and kind not in self.first_ok_after:
                self.first_ok_after[kind] = now - self.mark

    def reporter(self, index: int) -> None:
        unit, bed_type, staffed = self.demo.units[index % len(self.demo.units)]
        headers = {"Authorization": f"Bearer {self.demo.provider}"}
        n = 0
        while not self.stop.is_set():
            base = self.bases[n % len(self.bases)]
            remark = f"r{index}-{n}"
            n += 1
            body = {"unit_id": unit, "bed_type_code": bed_type, "staffed": staffed,
                    "occupied": n % 2, "remark": remark}
            try:
                answer = httpx.post(f"{base}/api/v1/availability", json=body,
                                    headers=headers, timeout=20)
            except httpx.HTTPError as exc:
                self._count(type(exc).__name__)
                with self.lock:
                    self.reports_unanswered.append(remark)
                time.sleep(0.05)
                continue
            self._count(f"report {answer.status_code}")
            if answer.status_code == 201:
                with self.lock:
                    self.reports_accepted.append(remark)
                self._ok("report")
            else:
                time.sleep(0.1)

    def coordinator(self, index: int) -> None:
        headers = {"Authorization": f"Bearer {self.demo.coordinator}"}
        n = 0
        while not self.stop.is_set():
            base = self.bases[(n + index) % len(self.bases)]
            unit, bed_type, _ = self.demo.units[(index + n) % len(self.demo.units)]
            n += 1
            try:
                made = httpx.post(f"{base}/api/v1/placement/requests", headers=headers,
                                  json=request_body(f"fail-{index}-{n}-{time.time_ns()}",
                                                    bed_type), timeout=20)
                self._count(f"request {made.status_code}")
                if made.status_code != 201:
                    continue
                held = httpx.post(
                    f"{base}/api/v1/placement/requests/{made.json()['id']}/reservations",
                    headers=headers, json={"unit_id": unit, "bed_type_code": bed_type},
                    timeout=20)
            except httpx.HTTPError as exc:
                self._count(type(exc).__name__)
                time.sleep(0.05)
                continue
            self._count(f"hold {held.status_code}")
            time.sleep(0.5)  # the provider's few dozen beds must last the test
            if held.status_code == 201:
                with self.lock:
                    self.holds_accepted[held.json()["id"]] = made.json()["id"]
                self._ok("hold")

    def run(self, reporters: int, coordinators: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.reporter, args=(i,)) for i in range(reporters)]
        threads += [threading.Thread(target=self.coordinator, args=(i,))
                    for i in range(coordinators)]
        for thread in threads:
            thread.start()
        return threads

    def end(self, threads: list[threading.Thread]) -> None:
        self.stop.set()
        for thread in threads:
            thread.join(timeout=60)


def _stored_remarks(url: str) -> set[str]:
    return {str(r[0]) for r in sql(url, "SELECT remark FROM availability_report "
                                        "WHERE remark IS NOT NULL")}


def _wait_for(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)


def test_kill_9_of_one_process_leaves_nothing_half_written(demo_region: Region,
                                                            tmp_path: Path) -> None:
    with servers(demo_region.url, 2, tmp_path) as (doomed, survivor):
        load = Load(demo_region, [doomed.base, survivor.base])
        threads = load.run(reporters=3, coordinators=3)
        _wait_for(lambda: len(load.holds_accepted) >= 3 and len(load.reports_accepted) >= 10,
                  120)
        doomed.kill9()  # in the middle: the clients keep sending to both
        load.mark = time.monotonic()
        _wait_for(lambda: "hold" in load.first_ok_after and "report" in load.first_ok_after, 60)
        time.sleep(1)
        load.end(threads)
        answer = httpx.get(f"{survivor.base}/readyz", timeout=10)
    print(f"kill -9: {load.statuses}; after the kill the survivor accepted a report after "
          f"{load.first_ok_after.get('report', -1):.2f} s and a hold after "
          f"{load.first_ok_after.get('hold', -1):.2f} s")
    assert answer.status_code == 200, answer.text
    assert {"report", "hold"} <= set(load.first_ok_after), load.statuses  # the survivor went on
    stored = _stored_remarks(demo_region.url)
    assert set(load.reports_accepted) <= stored  # every 201 is there
    holds = {r: q for r, q in sql(demo_region.url, "SELECT id, request_id FROM reservation")}
    assert all(holds.get(r) == q for r, q in load.holds_accepted.items())
    problems = {name: rows for name, rows in half_written(demo_region.url).items() if rows}
    assert not problems, problems
    print(f"kill -9: {len(load.reports_accepted)} reports accepted, all stored "
          f"({len(stored)} stored in all); {len(load.holds_accepted)} holds accepted, all "
          f"whole (status history, notification, audit entry, bed count)")


def _open_stream(base: str, token: str, events: list[tuple[float, str]],
                 opened: threading.Event, stop: threading.Event) -> None:
    """One SSE connection to the live board, read until ``stop``; never reopened."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    with httpx.stream("GET", f"{base}/board/events", headers=headers,
                      timeout=httpx.Timeout(10, read=60)) as stream:
        assert stream.status_code == 200
        opened.set()
        for line in stream.iter_lines():
            if line.startswith("event:"):
                events.append((time.monotonic(), line.split(":", 1)[1].strip()))
            if stop.is_set():
                return


def test_cut_database_connections_are_reopened_and_the_board_recovers(
        demo_region: Region, tmp_path: Path) -> None:
    with servers(demo_region.url, 1, tmp_path) as (server,):
        load = Load(demo_region, [server.base])
        events: list[tuple[float, str]] = []
        opened, stop = threading.Event(), threading.Event()
        reader = threading.Thread(target=_open_stream, args=(
            server.base, demo_region.coordinator, events, opened, stop), daemon=True)
        reader.start()
        assert opened.wait(60)
        threads = load.run(reporters=2, coordinators=0)
        _wait_for(lambda: len(load.reports_accepted) >= 10 and events, 120)
        database = demo_region.url.rsplit("/", 1)[1]
        cut = sql(demo_region.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE datname = :db AND pid <> pg_backend_pid()", db=database)
        load.mark = time.monotonic()
        _wait_for(lambda: "report" in load.first_ok_after, 30)
        # Events that reach the same, never reopened stream after the cut.
        _wait_for(lambda: any(at > load.mark for at, _ in events), 30)
        time.sleep(1)
        load.end(threads)
        stop.set()
        ready = httpx.get(f"{server.base}/readyz", timeout=10).json()
    after = [name for at, name in events if at > load.mark]
    reconnect = load.first_ok_after.get("report")
    stored = _stored_remarks(demo_region.url)
    lost = set(load.reports_accepted) - stored
    print(f"connection cut: {len(cut)} backends terminated; first report accepted "
          f"{reconnect} s after the cut; {len(load.reports_accepted)} reports accepted, "
          f"{len(lost)} lost; {len(after)} board events on the same stream after the cut; "
          f"answers {load.statuses}")
    assert len(cut) >= 2  # at least a pool connection and the LISTEN connection
    assert reconnect is not None
    assert reconnect < RECONNECT_SECONDS
    assert not lost
    assert "availability" in after
    assert ready["status"] == "ready", ready


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver: answers each POST per the server's script, then 204."""

    script: list[str] = []  # "hang" (longer than the sender's time-out) or "500"
    received: list[tuple[float, str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        event = json.loads(body).get("event", "?")
        what = self.script.pop(0) if self.script else "204"
        self.received.append((time.monotonic(), what))
        if what == "hang":
            time.sleep(12)  # the sender gives up after 10 s
        self.send_response(500 if what == "500" else 204)
        self.end_headers()
        del event

    def log_message(self, *args: object) -> None:
        pass


def test_a_failing_webhook_receiver_is_retried_and_never_blocks_a_reservation(
        own_region: Region, tmp_path: Path) -> None:
    demo_region = own_region
    Receiver.script = ["hang", "500"]
    Receiver.received = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    try:
        with servers(demo_region.url, 1, tmp_path) as (server,):
            registered = httpx.post(f"{server.base}/api/v1/webhooks",
                                    headers={"Authorization": f"Bearer {demo_region.provider}"},
                                    json={"url": hook_url, "events": ["reservation.new"]},
                                    timeout=30)
            assert registered.status_code == 201, registered.text
            hook = registered.json()["id"]
            answers = [_reserve(server, demo_region, n) for n in range(3)]
            # The worker posts every 10 s; the first post hangs, the second gets a 500. Wait
            # until the round has recorded its three attempts.
            _wait_for(lambda: sql(demo_region.url, """
                SELECT 1 FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id
                WHERE d.webhook_id = :h HAVING count(*) >= 3""", h=hook), 120)
            attempts = sql(demo_region.url, """
                SELECT d.id, d.status, d.attempts, a.status_code, a.error,
                       d.next_attempt_at - a.attempted_at
                FROM webhook_delivery d JOIN webhook_attempt a ON a.delivery_id = d.id
                WHERE d.webhook_id = :hook ORDER BY a.id""", hook=hook)
            # Time passes (the backoff is minutes): make the failed deliveries due now.
            sql(demo_region.url, "UPDATE webhook_delivery SET next_attempt_at = now() "
                                 "WHERE webhook_id = :hook AND status = 'pending'", hook=hook)
            _wait_for(lambda: not sql(demo_region.url, "SELECT 1 FROM webhook_delivery WHERE "
                                      "webhook_id = :h AND status <> 'delivered'", h=hook), 60)
            final = sql(demo_region.url, "SELECT status, attempts FROM webhook_delivery "
                                         "WHERE webhook_id = :hook", hook=hook)
    finally:
        receiver.shutdown()
        receiver.server_close()
    print(f"webhook: reservations answered {[(s, round(t, 2)) for s, t in answers]}; "
          f"failed attempts {[(a[2], a[3], a[4], str(a[5])) for a in attempts]}; final {final}")
    # Never blocked: every reservation was made, each answered while the receiver hung.
    assert [status for status, _ in answers] == [201, 201, 201]
    failed = [row for row in attempts if row[3] != 204]
    assert len(failed) >= 2  # the time-out and the 500, each logged
    assert any(row[3] == 500 for row in failed)
    assert any(row[3] is None and row[4] for row in failed)  # no answer: the error says so
    # Backoff: the next attempt at least a minute after a failed one (delivery.backoff).
    assert all(isinstance(row[5], timedelta) and row[5] >= timedelta(minutes=1)
               for row in failed)
    assert final
    assert all(row[0] == "delivered" for row in final)


def _reserve(server: Server, demo: Region, n: int) -> tuple[int, float]:
    headers = {"Authorization": f"Bearer {demo.coordinator}"}
    _, bed_type, _ = demo.units[n % len(demo.units)]
    began = time.monotonic()
    made = httpx.post(f"{server.base}/api/v1/placement/requests", headers=headers,
                      json=request_body(f"hook-{n}-{time.time_ns()}", bed_type), timeout=30)
    request_id = made.json()["id"]
    # Reserve what matching offers, as a coordinator does. Nothing offered means no free bed
    # of this type is left in the region: say so, rather than a 409 from a full unit.
    offered = httpx.get(f"{server.base}/api/v1/placement/requests/{request_id}/options",
                        headers=headers, timeout=30).json()["options"]
    assert offered, f"no free {bed_type} bed left for request {n}: the region is used up"
    unit, bed_type = offered[0]["unit_id"], offered[0]["bed_type_code"]
    held = httpx.post(f"{server.base}/api/v1/placement/requests/{request_id}/reservations",
                      headers=headers, json={"unit_id": unit, "bed_type_code": bed_type},
                      timeout=30)
    return held.status_code, time.monotonic() - began
