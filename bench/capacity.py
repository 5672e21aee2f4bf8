"""Live-capacity benchmark (issue 4): report → 100 live boards, board query, 10k-row CSV import.

Run: ``.venv/bin/python -m bench.capacity [--locations 2000 --units 20000 --reports 1000000]
[--database sqlite|postgresql]``. Builds a fresh database of that size, starts real app servers
(one on SQLite; two on PostgreSQL, clients split over both, reports posted to the first),
measures, prints a Markdown block for docs/performance.md and drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

from bench.registry import Registry, build
from bench.servers import app_servers, fresh_database
from verkeerstoren.capacity.board import BoardFilter, board
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate


@dataclass
class Figure:
    """One measured quantity: its samples in milliseconds and its target."""

    name: str
    samples: list[float]
    target_ms: float | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        return float(np.percentile(self.samples, 95)) if self.samples else float("nan")

    def row(self) -> str:
        target = "" if self.target_ms is None else f"≤ {self.target_ms:.0f} ms"
        verdict = "" if self.target_ms is None else (
            "met" if self.p95 <= self.target_ms else "**missed**")
        return (f"| {self.name} | {len(self.samples)} | {self.median:.1f} | {self.p95:.1f} "
                f"| {target} | {verdict} | {self.note} |")


def _timed(fn: Callable[[], object], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def board_service(db: Database, region_id: int, runs: int) -> Figure:
    """(b) the board() service function for one region, in process."""
    def once() -> None:
        with db.session() as session:
            board(session, BoardFilter(region_id=region_id))

    with db.session() as session:
        rows = len(board(session, BoardFilter(region_id=region_id)).rows)
    return Figure("board query, board() service, one region (uncached)", _timed(once, runs),
                  50, f"{rows} rows")


def board_http(base: str, reg: Registry, region_id: int, runs: int) -> list[Figure]:
    """(b) GET /api/v1/board?region_id= over HTTP, JSON included: cold and warm (cached).

    Cold: a report is posted first (its availability event empties every process's board
    cache), then the board is fetched and must have been built anew (a new ``generated_at``).
    Warm: the same board fetched again, with no report in between, served from the cache.
    """
    params = {"region_id": region_id}
    with httpx.Client(base_url=base, headers={
            "Authorization": f"Bearer {reg.coordinator_token}"}, timeout=30) as client, \
            httpx.Client(base_url=base, timeout=30, headers={
                "Authorization": f"Bearer {reg.provider_token}"}) as poster:
        last: list[float] = [0.0]

        def fetch() -> str:
            # Timed: the request and the body received; not the client's JSON parsing.
            started = time.perf_counter()
            answer = client.get("/api/v1/board", params=params)
            last[0] = (time.perf_counter() - started) * 1000
            answer.raise_for_status()
            return str(answer.json()["generated_at"])

        cold: list[float] = []
        not_rebuilt = 0
        previous = fetch()
        for run in range(runs + 2):
            key = reg.provider_keys[run % len(reg.provider_keys)]
            physical = reg.physical[key]
            poster.post("/api/v1/availability", json={
                "unit_id": key[0], "bed_type_code": key[1], "physical": physical,
                "staffed": physical, "occupied": run % (physical + 1), "blocked": 0,
            }).raise_for_status()
            time.sleep(0.3)  # the event reaches the process (LISTEN thread on PostgreSQL)
            generated = fetch()
            elapsed = last[0]
            not_rebuilt += generated == previous
            previous = generated
            if run >= 2:
                cold.append(elapsed)
        warm_rebuilt = 0
        warm: list[float] = []
        previous = fetch()
        for _ in range(runs):
            generated = fetch()
            warm.append(last[0])
            warm_rebuilt += generated != previous
            previous = generated
    return [
        Figure("board query, GET /api/v1/board?region_id=, cold (after a report)", cold, 50,
               "HTTP, JSON; board built anew" + (
                   f"; {not_rebuilt} runs were NOT rebuilt" if not_rebuilt else "")),
        Figure("board query, GET /api/v1/board?region_id=, warm (cached)", warm, 50,
               "HTTP, JSON; per-process cache" + (
                   f"; {warm_rebuilt} runs rebuilt (expiry)" if warm_rebuilt else "")),
    ]


@dataclass
class _Arrivals:
    expected: int
    times: list[float] = field(default_factory=list)
    connected: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def arrive(self) -> None:
        self.times.append(time.perf_counter())
        if len(self.times) >= self.expected:
            self.done.set()


async def _listen(client: httpx.AsyncClient, url: str, state: list[_Arrivals]) -> None:
    async with client.stream("GET", url) as answer:
        async for line in answer.aiter_lines():
            if line.startswith("retry:"):
                state[0].connected += 1
            elif line.startswith("event: availability"):
                state[0].arrive()


async def _report_to_boards(bases: list[str], reg: Registry, clients: int,
                            runs: int) -> tuple[list[float], list[float], int]:
    auth = {"Authorization": f"Bearer {reg.coordinator_token}"}
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    state = [_Arrivals(clients)]
    all_boards: list[float] = []
    accepted: list[float] = []
    missed = 0
    async with httpx.AsyncClient(headers=auth, timeout=httpx.Timeout(30, read=None),
                                 limits=limits) as listeners, \
            httpx.AsyncClient(base_url=bases[0], timeout=30, headers={
                "Authorization": f"Bearer {reg.provider_token}"}) as poster:
        tasks = [asyncio.create_task(_listen(listeners, f"{bases[i % len(bases)]}/board/events",
                                             state)) for i in range(clients)]
        deadline = time.monotonic() + 30
        while state[0].connected < clients:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {state[0].connected} SSE clients connected")
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # PostgreSQL LISTEN threads and subscriptions settle
        for run in range(runs + 2):
            key = reg.provider_keys[run % len(reg.provider_keys)]
            physical = reg.physical[key]
            body = {"unit_id": key[0], "bed_type_code": key[1], "physical": physical,
                    "staffed": physical, "occupied": run % (physical + 1), "blocked": 0}
            state[0] = _Arrivals(clients, connected=clients)
            started = time.perf_counter()
            answer = await poster.post("/api/v1/availability", json=body)
            answer_at = time.perf_counter()
            answer.raise_for_status()
            try:
                await asyncio.wait_for(state[0].done.wait(), 5)
            except TimeoutError:
                missed += 1
                continue
            if run >= 2:  # the first two are warm-up
                all_boards.append((max(state[0].times) - started) * 1000)
                accepted.append((max(state[0].times) - answer_at) * 1000)
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return all_boards, accepted, missed


def report_to_boards(bases: list[str], reg: Registry, clients: int, runs: int) -> list[Figure]:
    """(a) one report posted → the event received by every one of ``clients`` SSE streams."""
    all_boards, after_answer, missed = asyncio.run(
        _report_to_boards(bases, reg, clients, runs))
    split = f"{clients} SSE clients over {len(bases)} app process(es)"
    return [
        Figure(f"report sent → event on all {clients} boards", all_boards, 250,
               split + (f"; {missed} runs lost events" if missed else "")),
        Figure(f"report accepted (HTTP 201 received) → all {clients} boards", after_answer,
               None, "from the poster's 201 to the last board"),
    ]


def csv_import(base: str, reg: Registry, runs: int, rows: int = 10_000) -> Figure:
    """(c) POST /api/v1/availability/upload with a 10,000-row CSV, all or nothing."""
    if len(reg.keys) < rows:
        return Figure(f"{rows}-row CSV import", [], 2000, "registry too small")
    samples = []
    with httpx.Client(base_url=base, timeout=120, headers={
            "Authorization": f"Bearer {reg.admin_token}"}) as client:
        for run in range(runs + 1):
            out = io.StringIO()
            out.write("unit_id,bed_type_code,staffed,occupied,blocked\n")
            offset = (run * 997) % max(1, len(reg.keys) - rows + 1)
            for unit_id, code in reg.keys[offset : offset + rows]:
                staffed = reg.physical[(unit_id, code)]
                out.write(f"{unit_id},{code},{staffed},{(run + unit_id) % (staffed + 1)},0\n")
            payload = out.getvalue().encode()
            started = time.perf_counter()
            answer = client.post("/api/v1/availability/upload",
                                 files={"file": ("bedden.csv", payload, "text/csv")})
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 201:
                raise RuntimeError(f"upload failed: {answer.status_code} {answer.text[:500]}")
            if run > 0:  # the first is warm-up
                samples.append(elapsed)
    return Figure(f"{rows:,}-row CSV import via /api/v1/availability/upload", samples, 2000,
                  "admin token (rows of many organisations)")


def main(argv: list[str] | None = None) -> None:
    """Build, measure, print the Markdown block for docs/performance.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__)
    parser.add_argument("--locations", type=int, default=2000)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--import-runs", type=int, default=5)
    args = parser.parse_args(argv)
    # Stopped with SIGTERM: still run the finally blocks that stop servers and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    command = ".venv/bin/python -m bench.capacity " + " ".join(sys.argv[1:] if argv is None
                                                                else argv)
    started = time.perf_counter()
    log_dir = Path(tempfile.mkdtemp(prefix="vt-bench-logs-"))
    with fresh_database(args.database) as url:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        print(f"building {args.locations} locations, {args.units} units, "
              f"{args.reports} reports on {args.database} …", flush=True)
        reg = build(db, locations=args.locations, units=args.units, reports=args.reports)
        print(f"built in {reg.seconds:.1f} s ({len(reg.keys)} unit × bed type rows, "
              f"{reg.regions} regions)", flush=True)
        figures = [board_service(db, 1, args.runs)]
        processes = 1 if db.is_sqlite else 2
        with app_servers(url, processes, log_dir) as bases:
            figures += board_http(bases[0], reg, 1, args.runs)
            figures += report_to_boards(bases, reg, args.clients, args.runs)
            figures.append(csv_import(bases[0], reg, args.import_runs))
        db.dispose()
    total = time.perf_counter() - started
    lines = [
        f"### {args.database}, {args.locations} locations / {args.units} units / "
        f"{args.reports:,} reports — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command}` · machine: {os.cpu_count()} cores (`nproc`), "
        f"{platform.machine()}, Python {platform.python_version()} · registry built in "
        f"{reg.seconds:.0f} s ({len(reg.keys):,} unit × bed type rows, {reg.regions} regions) · "
        f"whole run {total:.0f} s · load average at the end "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (machine shared with other work)",
        "",
        "| measure | runs | median ms | p95 ms | target (p95) | | note |",
        "|---|---|---|---|---|---|---|",
        *[f.row() for f in figures],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = Path("var") / "bench"
    out.mkdir(parents=True, exist_ok=True)
    name = f"capacity-{args.database}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    (out / f"{name}.md").write_text(text)
    (out / f"{name}.json").write_text(json.dumps(
        {f.name: {"median": f.median, "p95": f.p95, "samples": f.samples} for f in figures},
        indent=1))


if __name__ == "__main__":
    main()
