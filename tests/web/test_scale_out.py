"""Several app processes on one PostgreSQL (issue 18 item 1), through running `serve`.

Two processes as two hosts would run them: a board open on one hears a report made through the
other; each expired hold is released by exactly one of them (one 'expired' status change and
one set of notifications); the audit checkpoints come from one process. And `serve --workers 2`:
two worker processes behind one port, one /metrics adding both up, JSON log lines.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench.bursts import request_body
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import _create_database, is_postgres
from tests.web.failure_harness import Region, region, servers, sql

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def demo_region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    if not is_postgres():
        pytest.skip("several processes share one PostgreSQL; SQLite serves one process")
    url, drop = _create_database(tmp_path_factory.mktemp("scale"), "scale")
    try:
        yield region(url)
    finally:
        drop()


def _hold(base: str, demo: Region, n: int) -> int:
    headers = {"Authorization": f"Bearer {demo.coordinator}"}
    unit, bed_type, _ = demo.units[n % len(demo.units)]
    made = httpx.post(f"{base}/api/v1/placement/requests", headers=headers,
                      json=request_body(f"scale-{n}-{time.time_ns()}", bed_type), timeout=30)
    assert made.status_code == 201, made.text
    held = httpx.post(f"{base}/api/v1/placement/requests/{made.json()['id']}/reservations",
                      headers=headers, json={"unit_id": unit, "bed_type_code": bed_type},
                      timeout=30)
    assert held.status_code == 201, held.text
    reservation: int = held.json()["id"]
    return reservation


def _wait(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (callable(condition) and condition()):
        time.sleep(0.3)


def _json_lines(log: Path) -> list[dict[str, object]]:
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


def test_two_processes_share_events_expiry_and_checkpoints(demo_region: Region,
                                                          tmp_path: Path) -> None:
    settings = {"VERKEERSTOREN_HOLD_EXPIRY_CHECK_SECONDS": "1",
                "VERKEERSTOREN_AUDIT_CHECKPOINT_SECONDS": "2"}
    with servers(demo_region.url, 2, tmp_path, settings) as (one, other):
        # A board open on one process ...
        events: list[str] = []
        opened = threading.Event()

        def read() -> None:
            headers = {"Authorization": f"Bearer {demo_region.coordinator}"}
            with httpx.stream("GET", f"{one.base}/board/events", headers=headers,
                              timeout=httpx.Timeout(10, read=60)) as stream:
                opened.set()
                for line in stream.iter_lines():
                    if line.startswith("data:") and '"keys"' in line:
                        events.append(line)
                        return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert opened.wait(60)
        # ... hears a report made through the other.
        unit, bed_type, staffed = demo_region.units[0]
        answer = httpx.post(f"{other.base}/api/v1/availability",
                            headers={"Authorization": f"Bearer {demo_region.provider}"},
                            json={"unit_id": unit, "bed_type_code": bed_type,
                                  "staffed": staffed, "occupied": 0}, timeout=30)
        assert answer.status_code == 201, answer.text
        reader.join(timeout=30)
        assert events, "the report made through one process did not reach the other's board"
        assert f"[{unit}," in events[0]

        # Holds made through both, then past their time: both processes look every second.
        holds = [_hold(base, demo_region, n) for n, base in
                 enumerate([one.base, other.base] * 3)]
        sql(demo_region.url, "UPDATE reservation SET held_until = now() - interval '1 minute' "
                             "WHERE id = ANY(:ids)", ids=holds)
        _wait(lambda: not sql(demo_region.url, "SELECT 1 FROM reservation WHERE id = ANY(:ids) "
                              "AND status = 'held'", ids=holds), 60)
        time.sleep(3)  # a second release, if there were one, would come now
    released = sql(demo_region.url, """
        SELECT r.id, r.status, count(c.id) FROM reservation r
        LEFT JOIN placement_status_change c ON c.reservation_id = r.id
             AND c.from_status = 'reserved'  -- the release (placement.lifecycle.close_hold)
        WHERE r.id = ANY(:ids) GROUP BY r.id, r.status""", ids=holds)
    assert sorted(str(status) for _, status, _ in released) == ["expired"] * len(holds)
    assert all(count == 1 for _, _, count in released), released
    checkpoints = [line for log in (one.log, other.log) for line in _json_lines(log)
                   if str(line["message"]).startswith("audit checkpoint")]
    writers = {line["pid"] for line in checkpoints}
    print(f"scale-out: {len(holds)} holds released once each; {len(checkpoints)} audit "
          f"checkpoints, written by {len(writers)} process(es)")
    assert checkpoints
    assert len(writers) == 1


def test_serve_with_two_workers_answers_from_both_and_adds_their_metrics(
        demo_region: Region, tmp_path: Path) -> None:
    with servers(demo_region.url, 1, tmp_path, args=("--workers", "2")) as (server,):
        pids = set()
        for _ in range(60):
            answer = httpx.get(f"{server.base}/readyz", timeout=10)
            assert answer.status_code == 200, answer.text
            pids.add(answer.json()["pid"])
            if len(pids) == 2:
                break
        scraped = httpx.get(f"{server.base}/metrics", timeout=10).text
    families = {f.name: f for f in text_string_to_metric_families(scraped)}
    readyz = sum(s.value for s in families["verkeerstoren_http_requests"].samples
                 if s.name.endswith("_total") and s.labels["route"] == "/readyz")
    logged = [line for line in _json_lines(server.log) if line.get("route") == "/readyz"]
    print(f"--workers 2: readyz answered by {len(pids)} processes; /metrics counts {readyz} "
          f"readyz requests; {len(logged)} JSON request lines")
    assert len(pids) == 2  # uvicorn hands connections to both workers
    # The scrape adds up both workers' counts: every readyz answer made so far (the wait for
    # the server's start included) is counted, whichever worker answered it.
    assert readyz >= sum(1 for line in logged if line["status"] == 200)
    assert {line["pid"] for line in logged} == pids


def test_a_registry_edit_through_one_process_reaches_the_other_s_kept_board(
        demo_region: Region, tmp_path: Path) -> None:
    # Kept boards are re-read in full only after board_cache.MAX_AGE (minutes); a registry
    # edit must show before that, on every process, through its event.
    coordinator = {"Authorization": f"Bearer {demo_region.coordinator}"}
    unit, bed_type, _ = demo_region.units[0]
    new_name = f"Hernoemde afdeling {time.time_ns()}"

    def names(base: str) -> set[str]:
        board = httpx.get(f"{base}/api/v1/board", params={"bed_type": bed_type},
                          headers=coordinator, timeout=30)
        assert board.status_code == 200, board.text
        return {row["unit"] for row in board.json()["rows"] if row["unit_id"] == unit}

    with servers(demo_region.url, 2, tmp_path) as (one, other):
        before = names(one.base)
        assert before
        assert new_name not in before
        assert names(one.base) == before  # served from the kept board
        answer = httpx.put(f"{other.base}/api/v1/units/{unit}", json={"name": new_name},
                           headers={"Authorization": f"Bearer {demo_region.provider}"},
                           timeout=30)
        assert answer.status_code == 200, answer.text
        started = time.monotonic()
        _wait(lambda: names(one.base) == {new_name}, 5)
        assert names(one.base) == {new_name}, "the edit did not reach the kept board in 5 s"
        print(f"registry edit on the other process's board after "
              f"{1000 * (time.monotonic() - started):.0f} ms")
