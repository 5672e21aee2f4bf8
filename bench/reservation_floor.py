"""A reference for the reservation benchmark: the least a Python client can do per reservation.

Not the application's code path. Each transaction is ONE statement sent with plain psycopg
(no SQLAlchemy): a data-modifying CTE that claims the request and takes the bed by
compare-and-set and inserts the reservation and its status change, then COMMIT. No audit
entry, no notification, no live event, no read of the request — everything ``reserve()`` must
also do. Run in the same benchmark as ``reserve()`` and pgbench, it shows how much of the gap
to the pgbench ceiling is the Python client and the round trip itself, and how much is the
rest of the reservation's work (see docs/performance-log.md, issue 5).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import psycopg

from bench.servers import run_workers
from verkeerstoren.storage.base import utcnow

_ONE_STATEMENT = """
WITH req AS (
  UPDATE placement_request SET status = 'reserved'
  WHERE id = %(rid)s AND status = 'open' RETURNING id),
bed AS (
  UPDATE bed_state SET held = held + 1, version = version + 1
  WHERE unit_id = %(uid)s AND bed_type_code = %(code)s
    AND occupied + blocked + held + 1 <= staffed AND reported_at >= %(fresh)s
    AND EXISTS (SELECT 1 FROM req)
  RETURNING unit_id),
res AS (
  INSERT INTO reservation (request_id, organisation_id, unit_id, bed_type_code, status,
                           held_until, created_at, created_by, expiry_warned)
  SELECT %(rid)s, u.organisation_id, bed.unit_id, %(code)s, 'held', %(until)s, %(now)s,
         'bench floor', false
  FROM bed JOIN care_unit u ON u.id = bed.unit_id RETURNING id),
chg AS (
  INSERT INTO placement_status_change (request_id, reservation_id, at, actor_label,
                                       from_status, to_status)
  SELECT %(rid)s, res.id, %(now)s, 'bench floor', 'open', 'reserved' FROM res RETURNING id)
SELECT (SELECT id FROM res)
"""


def _worker(url: str, jobs: list[tuple[int, int, str]], start: Any, seconds: float,
            out: Any) -> None:
    with psycopg.connect(url) as conn:
        reserved = 0
        start.wait()
        deadline = time.perf_counter() + seconds
        for request_id, unit_id, code in jobs:
            if time.perf_counter() >= deadline:
                break
            now = utcnow()
            with conn.transaction():
                row = conn.execute(_ONE_STATEMENT, {
                    "rid": request_id, "uid": unit_id, "code": code, "now": now,
                    # The bench's reports are minutes old: any max report age lets them pass.
                    "fresh": now - timedelta(hours=12),
                    "until": now + timedelta(minutes=30)}).fetchone()
            reserved += row is not None and row[0] is not None
    out.put(reserved)


def run(url: str, jobs: list[tuple[int, int, str]], workers: int,
        seconds: float) -> tuple[float, int]:
    """(elapsed seconds, reservations) by ``workers`` processes over disjoint slices of jobs."""
    elapsed, results = run_workers(_worker, url, jobs, workers, seconds)
    return elapsed, sum(results)
