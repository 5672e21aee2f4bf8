"""Placement benchmark (issue 5): ranked options at national size, reservation throughput.

Run: ``.venv/bin/python -m bench.placement [--database sqlite|postgresql]
[--locations 2000 --units 20000] [--runs 60] [--history 10000] [--workers 8 --seconds 10]``
(``--seconds 0`` skips the throughput part). Builds a fresh
database with ``bench.registry`` (no report history: placement reads only the current bed
states) and a past of ``--history`` closed placement requests and their reservations
(``bench/reservation_history.py``: the ranking reads each organisation's 90-day acceptance
rate from that table), then measures

1. ``options_for()`` for one request, in process, over ``--runs`` varied requests (bed types,
   features, financing, postcode areas, preferred gemeenten), each in a new session; a call
   that fails counts (bench/stats.py);
2. on PostgreSQL only: ``reserve()`` throughput on distinct beds by ``--workers`` processes
   (each its own connection; one reservation per transaction, each for its own open request),
   and in the same run the ceiling: ``pgbench`` with the same client count running a bare
   ``UPDATE bed_free SET free = free - 1 WHERE id = :id AND free > 0`` on a table with as many
   rows as ``bed_state`` (run before and after ours; the mean is the ceiling); and, as a
   reference between the two, ``bench/reservation_floor.py``: one SQL statement per reservation
   from plain psycopg (what a Python client costs before the reservation's other duties).

Prints a Markdown block for docs/performance.md (also written to var/bench/) and drops the
database.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bench import reservation_floor, reservation_history
from bench.registry import _table, build
from bench.servers import fresh_database, machine, run_workers
from bench.stats import HEADER, Figure
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.capacity.models import BedState
from verkeerstoren.errors import Conflict
from verkeerstoren.placement.lifecycle import reserve
from verkeerstoren.placement.matching import FINANCING
from verkeerstoren.placement.models import (
    Financing,
    PlacementRequest,
    RequestStatus,
    Urgency,
)
from verkeerstoren.placement.options import PAGE, acceptance_rates, excluded_for, options_for
from verkeerstoren.registry.models import BedType, Gemeente, Organisation
from verkeerstoren.registry.reference import BED_TYPES, FEATURES
from verkeerstoren.runtime import install_hooks, settle_heap
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.base import utcnow

CODES = [code for code, _, _ in BED_TYPES]
FEATURE_CODES = [code for code, _ in FEATURES]


def _varied_requests(rng: random.Random, count: int, gemeenten: list[str],
                     referrer: int) -> list[PlacementRequest]:
    """Transient requests (never stored): options_for() only reads their fields."""
    out = []
    today = utcnow().date()
    for n in range(count):
        types = sorted(set(rng.sample(CODES, rng.choice((1, 1, 2)))))
        payers = sorted(FINANCING[types[0]])
        out.append(PlacementRequest(
            pseudonym=f"bench-{n:05d}", birth_year=1940, sex="f",
            postcode_area=rng.randint(1000, 9999), referrer_organisation_id=referrer,
            referrer_name="Dr. Bench", bed_types=types,
            features=rng.sample(FEATURE_CODES, rng.choice((0, 0, 1))),
            preferred_gemeenten=rng.sample(gemeenten, rng.choice((0, 1, 2))),
            wanted_start=today + timedelta(days=rng.choice((0, 0, 1, 3))),
            financing=Financing(rng.choice(payers)), urgency=Urgency.TODAY,
            status=RequestStatus.OPEN))
    return out


def options_figures(db: Database, runs: int, seed: int = 5, history: str = "") -> list[Figure]:
    """(1) options_for() for one request at a time, each in a fresh session. A call that
    raises counts as failed at the time it took (bench/stats.py); the first 3 are warm-up."""
    with db.session() as session:
        gemeenten = list(session.scalars(select(Gemeente.code)))
        referrer = session.scalar(select(Organisation.id).limit(1))
        rated = len(acceptance_rates(session, utcnow()))
        organisations = session.scalar(select(func.count()).select_from(Organisation))
    assert referrer is not None
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark input
    requests = _varied_requests(rng, runs + 3, gemeenten, referrer)
    ranked = Figure("options_for(), one request, national registry", target_ms=50)
    excluded = Figure("excluded_for(), one rule's first page (on demand)",
                      note="the excluded units of the request's first rule, nearest first")
    candidates: list[int] = []
    options: list[int] = []
    for n, request in enumerate(requests):
        found = None
        started = time.perf_counter()
        try:
            with db.session() as session:
                found = options_for(session, request)
        except Exception as exc:  # counted in the errors column, never dropped
            print(f"options_for failed: {exc!r}", file=sys.stderr, flush=True)
        elapsed = (time.perf_counter() - started) * 1000
        # What the request page's "show them" link asks next: one rule's excluded units.
        rule = next(iter(found.excluded_by_rule), None) if found else None
        started = time.perf_counter()
        try:
            with db.session() as session:
                excluded_for(session, request, rule=rule)
            excluded_ok = True
        except Exception as exc:  # counted, as above
            print(f"excluded_for failed: {exc!r}", file=sys.stderr, flush=True)
            excluded_ok = False
        excluded_elapsed = (time.perf_counter() - started) * 1000
        if n < 3:  # warm-up: caches, connection pool, statement compilation
            continue
        (ranked.ok if found else ranked.failed)(elapsed)
        (excluded.ok if excluded_ok else excluded.failed)(excluded_elapsed)
        if found:
            candidates.append(found.considered)
            options.append(found.total)
    ranked.note = (f"{runs} varied requests; first page of {PAGE} options explained, "
                   f"exclusions counted per rule; candidates per request median "
                   f"{statistics.median(candidates or [0]):.0f} (max {max(candidates or [0])}), "
                   f"options median {statistics.median(options or [0]):.0f}; "
                   f"{rated} of {organisations} organisations have a 90-day acceptance rate"
                   + (f"; {history}" if history else "; empty reservation table"))
    return [ranked, excluded]


# ---- reservation throughput (PostgreSQL) ----------------------------------------------------

@dataclass
class Throughput:
    """Reservations per second by our code and the pgbench ceiling, from the same run."""

    workers: int
    seconds: float
    reserved: int
    conflicts: int
    errors: int
    latencies_ms: list[float]
    pgbench_tps: list[float]
    floor: tuple[float, int] = (0.0, 0)  # reservation_floor: (elapsed s, reservations)

    @property
    def ours(self) -> float:
        return self.reserved / self.seconds if self.seconds else 0.0

    @property
    def ceiling(self) -> float:
        return statistics.mean(self.pgbench_tps) if self.pgbench_tps else float("nan")


def _open_requests(db: Database, now: datetime) -> list[tuple[int, int, str]]:
    """One open request per free, freshly reported unit × bed type: (request, unit, type)."""
    with db.session() as session:
        max_age = dict(session.execute(select(BedType.code, BedType.max_report_age_hours)).all())
        rows = session.execute(
            select(BedState.unit_id, BedState.bed_type_code, BedState.reported_at)
            .where(BedState.occupied + BedState.blocked + BedState.held < BedState.staffed)
            .order_by(BedState.unit_id, BedState.bed_type_code)).all()
        referrer = session.scalar(select(Organisation.id).limit(1))
    # A minute of margin: a run of ten seconds must not see its beds go stale.
    beds = [(u, c) for u, c, at in rows
            if at is not None and at >= now - timedelta(hours=max_age[c]) + timedelta(minutes=1)]
    today = now.date()
    values = [{
        "pseudonym": f"bench-res-{i:06d}", "birth_year": 1940, "sex": "f",
        "postcode_area": 1000 + i % 9000, "referrer_organisation_id": referrer,
        "referrer_name": "Dr. Bench", "bed_types": [code], "features": [],
        "preferred_gemeenten": [], "wanted_start": today,
        "financing": sorted(FINANCING[code])[0], "urgency": Urgency.TODAY.value,
        "status": RequestStatus.OPEN.value, "created_at": now, "is_demo": True,
    } for i, (_, code) in enumerate(beds)]
    table = _table(PlacementRequest)
    with db.engine.begin() as conn:
        ids = list(conn.execute(insert(table).returning(table.c.id), values).scalars())
    return [(rid, u, c) for rid, (u, c) in zip(ids, beds, strict=True)]


def _worker(url: str, jobs: list[tuple[int, int, str]], start: Any, seconds: float,
            out: Any) -> None:
    """One process, one connection: reserve() each job in its own transaction until time."""
    db = install_hooks(Database(url, pool_size=1))
    actor = system_actor("bench coordinator")
    with db.session() as session:  # connect before the clock starts
        session.execute(text("SELECT 1"))
    reserved = conflicts = errors = 0
    latencies: list[float] = []
    start.wait()
    deadline = time.perf_counter() + seconds
    for request_id, unit_id, code in jobs:
        if time.perf_counter() >= deadline:
            break
        began = time.perf_counter()
        try:
            with db.session() as session:
                bind_actor(session, actor)
                reserve(session, actor, request_id, unit_id, code)
            reserved += 1
        except Conflict:
            conflicts += 1
        except Exception as exc:  # counted and shown; the run goes on
            errors += 1
            if errors <= 3:
                print(f"worker error: {exc!r}", file=sys.stderr, flush=True)
        # Every attempt's latency counts, a conflict's or an error's too (bench/stats.py).
        latencies.append((time.perf_counter() - began) * 1000)
    else:
        print("worker ran out of requests before the time was up", file=sys.stderr, flush=True)
    out.put((reserved, conflicts, errors, latencies))
    db.dispose()


def _run_ours(url: str, jobs: list[tuple[int, int, str]], workers: int,
              seconds: float) -> tuple[float, int, int, int, list[float]]:
    # Disjoint slices: every worker reserves beds no other worker touches (distinct beds).
    elapsed, results = run_workers(_worker, url, jobs, workers, seconds)
    latencies = [x for r in results for x in r[3]]
    return (elapsed, sum(r[0] for r in results), sum(r[1] for r in results),
            sum(r[2] for r in results), latencies)


def _pgbench(url: str, rows: int, clients: int, seconds: float) -> float:
    """The ceiling: bare compare-and-set UPDATEs on a table as large as bed_state."""
    parsed = make_url(url)
    script = Path(tempfile.mkdtemp(prefix="vt-pgbench-")) / "bed_free.sql"
    script.write_text(f"\\set id random(1, {rows})\n"
                      "UPDATE bed_free SET free = free - 1 WHERE id = :id AND free > 0;\n")
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        raise RuntimeError("pgbench not found: apt-get install -y postgresql-client")
    answer = subprocess.run(  # noqa: S603 - our own arguments
        [pgbench, "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T",
         str(int(seconds)), "-f", str(script), "-h", parsed.host or "127.0.0.1",
         "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres",
         parsed.database or ""],
        capture_output=True, text=True, env=env, check=True)
    found = re.search(r"tps = ([\d.]+) \((?:without|excluding)", answer.stdout)
    if found is None:
        raise RuntimeError(f"no tps in pgbench output: {answer.stdout}\n{answer.stderr}")
    script.unlink()
    script.parent.rmdir()
    return float(found.group(1))


def throughput(db: Database, workers: int, seconds: float) -> Throughput:
    """(2) reserve() on distinct beds by ``workers`` processes vs. pgbench's ceiling."""
    with db.engine.begin() as conn:
        rows = conn.execute(text("SELECT count(*) FROM bed_state")).scalar_one()
        conn.execute(text("CREATE TABLE bed_free (id integer PRIMARY KEY, "
                          "free integer NOT NULL)"))
        # Free counts that never run out: every pgbench UPDATE changes a row, as ours do.
        conn.execute(text("INSERT INTO bed_free SELECT g, 1000000 "
                          "FROM generate_series(1, :n) g"), {"n": rows})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE bed_free"))
    jobs = _open_requests(db, utcnow())
    print(f"{len(jobs)} open requests on distinct free beds; pgbench table {rows} rows",
          flush=True)
    # Ours takes requests from the front, the one-statement floor from the back: never the same.
    half = len(jobs) // 2
    ceiling = [_pgbench(db.url, rows, workers, seconds)]
    elapsed, reserved, conflicts, errors, latencies = _run_ours(db.url, jobs[:half], workers,
                                                                seconds)
    floor = reservation_floor.run(db.libpq_url, jobs[half:], workers, seconds)
    ceiling.append(_pgbench(db.url, rows, workers, seconds))
    return Throughput(workers, elapsed, reserved, conflicts, errors, latencies, ceiling, floor)


def _throughput_lines(t: Throughput) -> list[str]:
    ratio = t.ours / t.ceiling if t.ceiling else float("nan")
    verdict = "met" if ratio >= 0.30 else "**missed**"
    lat = Figure("", t.latencies_ms)
    floor_rate = t.floor[1] / t.floor[0] if t.floor[0] else 0.0
    return [
        "| measure | clients | per second | note |",
        "|---|---|---|---|",
        f"| reserve() on distinct beds (PostgreSQL) | {t.workers} processes | {t.ours:.0f} | "
        f"{t.reserved} reserved in {t.seconds:.1f} s, {t.conflicts} conflicts, {t.errors} "
        f"errors; latency per attempt (conflicts and errors included) median {lat.median:.1f} "
        f"ms, p95 {lat.p95:.1f} ms |",
        f"| pgbench ceiling: bare `UPDATE … WHERE free > 0` | {t.workers} (-j 2) | "
        f"{t.ceiling:.0f} | before / after ours: "
        f"{' / '.join(f'{x:.0f}' for x in t.pgbench_tps)} tps |",
        f"| reference, not the app: one CTE statement per reservation, plain psycopg, no audit "
        f"or notification (`bench/reservation_floor.py`) | {t.workers} processes | "
        f"{floor_rate:.0f} | {t.floor[1]} in {t.floor[0]:.1f} s; "
        f"{100 * floor_rate / t.ceiling:.1f} % of the ceiling |",
        "",
        f"Ratio ours / ceiling: **{100 * ratio:.1f} %** (target ≥ 30 %: {verdict}).",
    ]


def main(argv: list[str] | None = None) -> None:
    """Build, measure, print the Markdown block for docs/performance.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.placement", description=__doc__)
    parser.add_argument("--locations", type=int, default=2000)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--history", type=int, default=10_000,
                        help="closed placement requests of the past 120 days to write first "
                             "(bench/reservation_history.py); 0: an empty reservation table")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    command = ".venv/bin/python -m bench.placement " + " ".join(
        sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    load_before = os.getloadavg()
    with fresh_database(args.database) as url:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        print(f"building {args.locations} locations, {args.units} units on {args.database} …",
              flush=True)
        reg = build(db, locations=args.locations, units=args.units, reports=0)
        print(f"built in {reg.seconds:.1f} s ({len(reg.keys)} unit × bed type rows)",
              flush=True)
        # The process as `verkeerstoren serve` runs it: the heap that exists after start
        # (here the registry built above) frozen, out of every garbage collection.
        history = (reservation_history.seed(db, args.history).note() if args.history else "")
        if history:
            print(history, flush=True)
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        settle_heap()
        figures = options_figures(db, args.runs, history=history)
        for figure in figures:
            print(figure.row(), flush=True)
        rates = (None if db.is_sqlite or args.seconds <= 0
                 else throughput(db, args.workers, args.seconds))
        db.dispose()
    total = time.perf_counter() - started
    lines = [
        f"### {args.database}, {args.locations} locations / {args.units} units — "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command}` · machine: {machine()} · registry built in "
        f"{reg.seconds:.0f} s ({len(reg.keys):,} unit × bed type rows) · whole run {total:.0f} s"
        f" · load average (`uptime`) before {' / '.join(f'{x:.1f}' for x in load_before)}, "
        f"after {' / '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "(2 cores shared with other sessions' work)",
        "",
        HEADER,
        *[f.row() for f in figures],
        "",
        *([*_throughput_lines(rates), ""] if rates else []),
    ]
    text_out = "\n".join(lines)
    print(text_out)
    out = Path("var") / "bench"
    out.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now(UTC):%Y%m%d-%H%M%S}"
    (out / f"placement-{args.database}-{stamp}.md").write_text(text_out)


if __name__ == "__main__":
    main()
