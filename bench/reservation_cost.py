"""The cost of one reservation (issue 18 item 4): client CPU, statements and round trips.

Run: ``.venv/bin/python -m bench.reservation_cost [--database sqlite|postgresql]
[--locations 200 --units 2000] [--workers 1] [--warmup 30 --count 300]``.

Builds a fresh registry (``bench.registry``), opens one request per free, freshly reported
unit × bed type (``bench.placement._open_requests``) and lets ``--workers`` processes call
``placement.service.reserve()`` on disjoint slices, one reservation per transaction, each in
a new session, as ``bench.placement`` does. Per worker the first ``--warmup`` reservations
are not measured (imports, statement compilation, the first connection); then, for
``--count`` reservations:

* **warm client CPU**: ``time.process_time()`` of the worker process across the measured
  reservations (its own CPU, all threads; the database server's CPU is not in it), divided by
  the reservations made;
* **statements**: every SQL statement the application sends, counted with SQLAlchemy's
  ``before_cursor_execute`` event, without the transaction control (``BEGIN`` / ``BEGIN
  IMMEDIATE`` and the commit are counted separately below); an ``executemany`` counts once;
* **round trips**, PostgreSQL: counted from the driver, not from our own code: libpq's
  protocol trace of the worker's connection (``PGconn.trace``) for ``--traced`` further
  reservations, one round trip per ``ReadyForQuery`` message the server sends (every
  exchange the client waits for, ``BEGIN`` and ``COMMIT`` included). SQLite has no network:
  there the figure is the calls into the driver, statements + ``BEGIN IMMEDIATE`` + commit.

The same-run yardstick beside the CPU figure: the worker's CPU for as many transactions that
each send only ``SELECT 1`` through a session (so a loaded machine shows in both).

Prints a Markdown block for docs/performance.md (also written to var/bench/) and drops the
database.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bench.placement import _open_requests
from bench.registry import build
from bench.servers import fresh_database, machine
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.errors import Conflict
from verkeerstoren.placement.service import reserve
from verkeerstoren.runtime import install_hooks, settle_heap
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.base import utcnow

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@dataclass
class Counter:
    """Statements and transaction-control calls seen on one engine."""

    statements: int = 0
    control: int = 0

    def attach(self, db: Database) -> None:
        def _cursor(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip().upper().startswith(_CONTROL):
                self.control += 1
            else:
                self.statements += 1

        def _commit(_conn: Any) -> None:
            self.control += 1

        event.listen(db.engine, "before_cursor_execute", _cursor)
        event.listen(db.engine, "commit", _commit)
        if not db.is_sqlite:  # psycopg sends BEGIN itself (SQLite's BEGIN IMMEDIATE is ours)
            event.listen(db.engine, "begin", _commit)


@dataclass
class WorkerResult:
    reserved: int
    conflicts: int
    errors: int
    cpu_seconds: float
    statements: int
    control: int
    latencies_ms: list[float]
    round_trips: list[int]  # PostgreSQL: ReadyForQuery per traced reservation
    reference_cpu_seconds: float  # the same count of bare `SELECT 1` transactions


def _one(db: Database, job: tuple[int, int, str]) -> bool:
    actor = system_actor("bench coordinator")
    request_id, unit_id, code = job
    try:
        with db.session() as session:
            bind_actor(session, actor)
            reserve(session, actor, request_id, unit_id, code)
    except Conflict:
        return False
    return True


def _traced_round_trips(db: Database, jobs: list[tuple[int, int, str]]) -> list[int]:
    """Reserve each job with libpq's protocol trace on; ReadyForQuery messages per job."""
    out = []
    with db.engine.connect() as conn:  # the worker's one pooled connection
        pgconn = conn.connection.dbapi_connection.pgconn  # type: ignore[union-attr]
    import psycopg

    for job in jobs:
        with tempfile.TemporaryFile("w+") as trace:
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                _one(db, job)
            finally:
                pgconn.untrace()
            trace.seek(0)
            out.append(sum(1 for line in trace
                           if line.split("\t")[:1] == ["B"] and "\tReadyForQuery" in line))
    return out


def _worker(url: str, jobs: list[tuple[int, int, str]], warmup: int, count: int, traced: int,
            start: Any, out: Any) -> None:
    db = install_hooks(Database(url, pool_size=1))
    reserved = conflicts = errors = 0
    latencies: list[float] = []
    try:
        for job in jobs[:warmup]:
            _one(db, job)
        settle_heap()
        counter = Counter()
        counter.attach(db)
        start.wait()
        measured = jobs[warmup:warmup + count]
        cpu = time.process_time()
        for job in measured:
            began = time.perf_counter()
            try:
                if _one(db, job):
                    reserved += 1
                    latencies.append((time.perf_counter() - began) * 1000)
                else:
                    conflicts += 1
            except Exception as exc:  # counted and shown; the run goes on
                errors += 1
                if errors <= 3:
                    print(f"worker error: {exc!r}", file=sys.stderr, flush=True)
        cpu_seconds = time.process_time() - cpu
        statements, control = counter.statements, counter.control
        reference = time.process_time()
        for _ in measured:  # the same-run yardstick: a session with one trivial statement
            with db.session() as session:
                session.execute(text("SELECT 1"))
        reference_seconds = time.process_time() - reference
        rest = jobs[warmup + count:warmup + count + traced]
        trips = [] if db.is_sqlite else _traced_round_trips(db, rest)
    finally:
        db.dispose()
    out.put(WorkerResult(reserved, conflicts, errors, cpu_seconds, statements, control,
                         latencies, trips, reference_seconds))


@dataclass
class Cost:
    workers: int
    results: list[WorkerResult]
    elapsed: float

    @property
    def made(self) -> int:
        return sum(r.reserved + r.conflicts + r.errors for r in self.results)

    @property
    def reserved(self) -> int:
        return sum(r.reserved for r in self.results)

    @property
    def cpu_ms(self) -> float:
        return 1000 * sum(r.cpu_seconds for r in self.results) / max(1, self.made)

    @property
    def reference_ms(self) -> float:
        return 1000 * sum(r.reference_cpu_seconds for r in self.results) / max(1, self.made)

    @property
    def statements(self) -> float:
        return sum(r.statements for r in self.results) / max(1, self.made)

    @property
    def control(self) -> float:
        return sum(r.control for r in self.results) / max(1, self.made)

    @property
    def round_trips(self) -> list[int]:
        return [t for r in self.results for t in r.round_trips]


def measure(url: str, jobs: list[tuple[int, int, str]], workers: int, warmup: int, count: int,
            traced: int) -> Cost:
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(workers + 1)
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, jobs[w::workers], warmup, count, traced,
                                               start, out)) for w in range(workers)]
    for proc in procs:
        proc.start()
    start.wait(timeout=600)
    began = time.perf_counter()
    results = [out.get(timeout=900) for _ in procs]
    elapsed = time.perf_counter() - began
    for proc in procs:
        proc.join(timeout=30)
    return Cost(workers, results, elapsed)


def _row(database: str, cost: Cost) -> str:
    lat = sorted(x for r in cost.results for x in r.latencies_ms)
    trips = cost.round_trips
    trips_text = (f"{statistics.median(trips):.0f} (libpq trace, {len(trips)} reservations, "
                  f"min {min(trips)}, max {max(trips)})" if trips
                  else f"{cost.statements + cost.control:.1f} (driver calls, no network)")
    median = statistics.median(lat) if lat else float("nan")
    errors = sum(r.errors for r in cost.results)
    conflicts = sum(r.conflicts for r in cost.results)
    return (f"| {database} | {cost.workers} | {cost.made} | {cost.cpu_ms:.2f} | "
            f"{cost.reference_ms:.3f} ({cost.cpu_ms / cost.reference_ms:.1f} ×) | "
            f"{cost.statements:.2f} | {cost.control:.2f} | {trips_text} | {median:.2f} | "
            f"{conflicts} conflicts, {errors} errors |")


HEADER = ("| database | workers | measured reservations | warm client CPU ms / reservation | "
          "same run: CPU ms of a bare `SELECT 1` transaction (ratio) | "
          "statements / reservation | BEGIN + COMMIT | round trips / reservation | "
          "median latency ms | |\n|---|---|---|---|---|---|---|---|---|---|")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reservation_cost",
                                     description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--locations", type=int, default=200)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--traced", type=int, default=20)
    args = parser.parse_args(argv)
    command = ".venv/bin/python -m bench.reservation_cost " + " ".join(
        sys.argv[1:] if argv is None else argv)
    load_before = os.getloadavg()
    started = time.perf_counter()
    with fresh_database(args.database) as url:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        build(db, locations=args.locations, units=args.units, reports=0)
        jobs = _open_requests(db, utcnow())
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        db.dispose()
        need = args.workers * (args.warmup + args.count + args.traced)
        if len(jobs) < need:
            raise SystemExit(f"only {len(jobs)} free beds for {need} reservations: "
                             "use a larger registry")
        cost = measure(url, jobs, args.workers, args.warmup, args.count, args.traced)
    lines = [
        f"### reservation cost, {args.database}, {args.workers} worker(s) — "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command}` · machine: {machine()} · whole run "
        f"{time.perf_counter() - started:.0f} s · load average (`uptime`) before "
        f"{' / '.join(f'{x:.1f}' for x in load_before)}, after "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (measured under load: 2 cores "
        "shared with other sessions' work)",
        "",
        HEADER,
        _row(args.database, cost),
        "",
    ]
    text_out = "\n".join(lines)
    print(text_out)
    folder = Path("var") / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now(UTC):%Y%m%d-%H%M%S}"
    (folder / f"reservation-cost-{args.database}-{stamp}.md").write_text(text_out)


if __name__ == "__main__":
    main()
