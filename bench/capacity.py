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
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.registry import Registry, build
from bench.servers import app_servers, fresh_database, machine
from bench.stats import HEADER, Figure, timed
from verkeerstoren.capacity.board import BoardFilter, board
from verkeerstoren.capacity.board import build as build_board
from verkeerstoren.runtime import install_hooks, settle_heap
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.base import utcnow


def board_service(db: Database, region_id: int, runs: int) -> list[Figure]:
    """(b) the board for one region in process, always built from scratch (no cache).

    Two figures: the cold build the API runs (``board.build``: query, rows, totals, order,
    then the JSON bytes), and ``board()``, which returns the validated pydantic ``Board``
    (pages and other capabilities use it).
    """
    flt = BoardFilter(region_id=region_id)

    def cold_build() -> None:
        with db.session() as session:
            build_board(session, flt, now=utcnow()).json()

    def service() -> None:
        with db.session() as session:
            board(session, flt)

    with db.session() as session:
        rows = len(board(session, flt).rows)
    return [
        timed(cold_build, Figure(
            "board query, cold build + JSON (board.build, what the API runs uncached)",
            target_ms=50, note=f"{rows} rows; in process, no cache"), runs),
        timed(service, Figure("board query, board() service, one region (uncached)",
                              target_ms=50, note=f"{rows} rows; pydantic Board"), runs),
    ]


def _server_timing(answer: httpx.Response) -> str:
    """How the server made the board: "full", "refresh" or "cached" (Server-Timing desc)."""
    header = answer.headers.get("server-timing", "")
    return header.split('desc="', 1)[1].split('"', 1)[0] if 'desc="' in header else "?"


def board_http(base: str, reg: Registry, region_id: int, runs: int) -> list[Figure]:
    """(b) GET /api/v1/board?region_id= over HTTP, JSON included: cold, refreshed, warm.

    Cold: a bulk report of 60 rows is posted first; an event about more than 50 rows names no
    keys, so it empties every process's board cache, and the next request builds the board
    from scratch (checked: the server's Server-Timing header must say "full").
    Refreshed: one report for a unit on this board is posted first (its event names its unit
    and bed type); the next request re-reads that key only (checked: "refresh").
    Warm: the same board fetched again with nothing in between, from the cache.
    """
    params = {"region_id": region_id}
    timeout = 30.0
    with httpx.Client(base_url=base, headers={
            "Authorization": f"Bearer {reg.coordinator_token}"}, timeout=timeout) as client, \
            httpx.Client(base_url=base, timeout=60, headers={
                "Authorization": f"Bearer {reg.admin_token}"}) as admin:

        def fetch(figure: Figure | None) -> str:
            """One timed GET into ``figure`` (None: untimed): the request and the body
            received, not the client's JSON parsing. A time-out counts at the time-out, an
            error answer at its time (bench/stats.py)."""
            started = time.perf_counter()
            try:
                answer = client.get("/api/v1/board", params=params)
            except httpx.TimeoutException:
                if figure is None:
                    raise
                figure.timed_out(timeout * 1000)
                return "time-out"
            elapsed = (time.perf_counter() - started) * 1000
            if figure is None:
                answer.raise_for_status()
            elif answer.status_code != 200:
                figure.failed(elapsed)
                return f"HTTP {answer.status_code}"
            else:
                figure.ok(elapsed)
            return _server_timing(answer)

        # Keys on this region's board, so that a report changes the board being measured.
        # The token logged in: a 401 (or a redirect) raises here, before anything is timed.
        first = client.get("/api/v1/board", params=params)
        first.raise_for_status()
        on_board = [(r["unit_id"], r["bed_type_code"]) for r in first.json()["rows"]]

        def one_report(run: int) -> None:
            key = on_board[(run * 37) % len(on_board)]
            physical = reg.physical[key]
            admin.post("/api/v1/availability", json={
                "unit_id": key[0], "bed_type_code": key[1], "physical": physical,
                "staffed": physical, "occupied": run % (physical + 1), "blocked": 0,
            }).raise_for_status()

        def bulk_report(run: int) -> None:
            start = (run * 60) % (len(reg.keys) - 60)
            admin.post("/api/v1/availability/bulk", json={"reports": [
                {"unit_id": u, "bed_type_code": c, "staffed": reg.physical[(u, c)],
                 "occupied": run % (reg.physical[(u, c)] + 1)}
                for u, c in reg.keys[start : start + 60]]}).raise_for_status()

        def measure(post: Callable[[int], None], expect: str, figure: Figure) -> int:
            """Runs into ``figure``; how many were not made the ``expect`` way."""
            other = 0
            fetch(None)
            for run in range(runs + 2):
                post(run)
                time.sleep(0.3)  # the event reaches the process (LISTEN thread on PostgreSQL)
                how = fetch(figure if run >= 2 else None)
                if run >= 2:
                    other += how != expect
            return other

        cold = Figure("board query, GET /api/v1/board?region_id=, cold (after a bulk report)",
                      target_ms=50, note="HTTP, JSON; board built from scratch")
        refreshed = Figure("board query, GET /api/v1/board?region_id=, after one report "
                           "(refresh)", target_ms=50, note="HTTP, JSON; changed key re-read")
        warm = Figure("board query, GET /api/v1/board?region_id=, warm (cached)", target_ms=50,
                      note="HTTP, JSON; per-process cache")
        not_full = measure(bulk_report, "full", cold)
        not_refreshed = measure(one_report, "refresh", refreshed)
        not_cached = measure(lambda run: None, "cached", warm)
    cold.note += f"; {not_full} runs were NOT full builds" if not_full else ""
    refreshed.note += f"; {not_refreshed} runs not refreshes" if not_refreshed else ""
    warm.note += f"; {not_cached} runs rebuilt (expiry)" if not_cached else ""
    return [cold, refreshed, warm]


@dataclass
class _Arrivals:
    expected: int
    times: list[float] = field(default_factory=list)
    connected: int = 0
    key: tuple[int, str] | None = None  # the reported row
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def arrive(self) -> None:
        self.times.append(time.perf_counter())
        if len(self.times) >= self.expected:
            self.done.set()


async def _listen(client: httpx.AsyncClient, url: str, state: list[_Arrivals],
                  expect_rows: bool) -> None:
    """One board's event stream; an arrival is the availability event, or with
    ``expect_rows`` the event carrying the reported row's HTML (what board.js swaps in)."""
    event = ""
    async with client.stream("GET", url) as answer:
        # Logged in: a 401 or a redirect to the login page is no board (and fails the run).
        if answer.status_code != 200 or not answer.headers.get(
                "content-type", "").startswith("text/event-stream"):
            raise RuntimeError(f"event stream {url}: HTTP {answer.status_code}")
        async for line in answer.aiter_lines():
            if line.startswith("retry:"):
                state[0].connected += 1
            elif line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "availability":
                arrivals = state[0]
                if not expect_rows:
                    arrivals.arrive()
                else:
                    data = json.loads(line[6:])
                    key = arrivals.key
                    if key is not None and isinstance(data.get("rows"), str) and (
                            f'data-unit="{key[0]}" data-bed-type="{key[1]}"' in data["rows"]):
                        arrivals.arrive()


async def _region_keys(base: str, reg: Registry, region_id: int) -> list[tuple[int, str]]:
    async with httpx.AsyncClient(base_url=base, timeout=30, headers={
            "Authorization": f"Bearer {reg.coordinator_token}"}) as client:
        answer = await client.get("/api/v1/board", params={"region_id": region_id})
        answer.raise_for_status()
        return [(r["unit_id"], r["bed_type_code"]) for r in answer.json()["rows"]]


# How long a run waits for the last board; a run that waits longer counts at this time.
DELIVERY_TIMEOUT_S = 5.0


async def _report_to_boards(bases: list[str], reg: Registry, clients: int, runs: int,
                            figures: tuple[Figure, Figure], region_id: int | None = None
                            ) -> None:
    """Event delivery to ``clients`` SSE boards into ``figures`` (sent → last board, accepted
    → last board); with ``region_id``, every board is that region's (its stream opened with
    the filter, as board.js does) and a run ends when the last board has received the
    reported row, rendered for its filter. A run in which some board got nothing within
    ``DELIVERY_TIMEOUT_S`` counts at that time-out; a report not accepted counts as failed."""
    auth = {"Authorization": f"Bearer {reg.coordinator_token}"}
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    state = [_Arrivals(clients)]
    sent, accepted = figures
    keys = reg.provider_keys
    poster_token = reg.provider_token
    query = ""
    if region_id is not None:
        # Reports about this region's board (any organisation's: the admin posts them). Each
        # process serves the board once first, as the page load that opens a board does.
        for base in bases:
            keys = await _region_keys(base, reg, region_id)
        poster_token = reg.admin_token
        query = f"?region_id={region_id}"
    async with httpx.AsyncClient(headers=auth, timeout=httpx.Timeout(30, read=None),
                                 limits=limits) as listeners, \
            httpx.AsyncClient(base_url=bases[0], timeout=30, headers={
                "Authorization": f"Bearer {poster_token}"}) as poster:
        tasks = [asyncio.create_task(_listen(
            listeners, f"{bases[i % len(bases)]}/board/events{query}", state,
            region_id is not None)) for i in range(clients)]
        deadline = time.monotonic() + 30
        while state[0].connected < clients:
            failed = [t for t in tasks if t.done() and t.exception() is not None]
            if failed:
                raise RuntimeError(f"an event stream failed: {failed[0].exception()!r}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {state[0].connected} SSE clients connected")
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # PostgreSQL LISTEN threads and subscriptions settle
        for run in range(runs + 2):
            counted = run >= 2  # the first two are warm-up
            key = keys[(run * 37) % len(keys)]
            physical = reg.physical[key]
            body = {"unit_id": key[0], "bed_type_code": key[1], "physical": physical,
                    "staffed": physical, "occupied": run % (physical + 1), "blocked": 0}
            state[0] = _Arrivals(clients, connected=clients, key=key)
            started = time.perf_counter()
            try:
                answer = await poster.post("/api/v1/availability", json=body)
            except httpx.HTTPError:
                answer = None
            answer_at = time.perf_counter()
            if answer is None or answer.status_code != 201:
                if counted:
                    sent.failed((answer_at - started) * 1000)
                    accepted.failed(0.0)
                continue
            try:
                await asyncio.wait_for(state[0].done.wait(), DELIVERY_TIMEOUT_S)
            except TimeoutError:
                if counted:
                    sent.timed_out((time.perf_counter() - started) * 1000)
                    accepted.timed_out((time.perf_counter() - answer_at) * 1000)
                continue
            if counted:
                sent.ok((max(state[0].times) - started) * 1000)
                accepted.ok((max(state[0].times) - answer_at) * 1000)
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def report_to_boards(bases: list[str], reg: Registry, clients: int, runs: int) -> list[Figure]:
    """(a) one report posted → the event received by every one of ``clients`` SSE streams;
    then what makes the change visible: every board of region 1 receiving the changed row."""
    split = f"{clients} SSE clients over {len(bases)} app process(es)"
    event = (Figure(f"report sent → event on all {clients} boards", target_ms=250, note=split),
             Figure(f"report accepted (HTTP 201 received) → all {clients} boards",
                    note="from the poster's 201 to the last board"))
    asyncio.run(_report_to_boards(bases, reg, clients, runs, event))
    visible = (Figure(
        f"report sent → changed row shown on all {clients} boards", target_ms=250,
        note=f"{clients} boards of region 1 (1,488 rows) over {len(bases)} app process(es); "
             "the event carries the row rendered for the board's filter, which board.js "
             "swaps in without asking again"),
        Figure("", note="not shown"))
    asyncio.run(_report_to_boards(bases, reg, clients, runs, visible, region_id=1))
    return [*event, visible[0]]


def csv_import(base: str, reg: Registry, runs: int, rows: int = 10_000) -> Figure:
    """(c) POST /api/v1/availability/upload with a 10,000-row CSV, all or nothing.

    ``runs`` counted runs after one warm-up; fewer than 20 show the maximum, not a p95
    (bench/stats.py). An upload that is not answered 201 counts as failed, one that gets no
    answer within the client's time-out at that time-out."""
    figure = Figure(f"{rows:,}-row CSV import via /api/v1/availability/upload", target_ms=2000,
                    note="admin token (rows of many organisations)")
    if len(reg.keys) < rows:
        figure.note = "registry too small"
        return figure
    timeout = 120.0
    with httpx.Client(base_url=base, timeout=timeout, headers={
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
            try:
                answer = client.post("/api/v1/availability/upload",
                                     files={"file": ("bedden.csv", payload, "text/csv")})
            except httpx.TimeoutException:
                if run > 0:
                    figure.timed_out(timeout * 1000)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if run == 0:  # the warm-up; it also proves the token is accepted
                if answer.status_code != 201:
                    raise RuntimeError(f"upload failed: {answer.status_code} "
                                       f"{answer.text[:500]}")
            elif answer.status_code != 201:
                print(f"upload failed: {answer.status_code} {answer.text[:200]}", flush=True)
                figure.failed(elapsed)
            else:
                figure.ok(elapsed)
    return figure


def main(argv: list[str] | None = None) -> None:
    """Build, measure, print the Markdown block for docs/performance.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__)
    parser.add_argument("--locations", type=int, default=2000)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--import-runs", type=int, default=20)
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
        # The process as `verkeerstoren serve` runs it: the heap that exists after start
        # (here the registry built above) frozen, out of every garbage collection.
        settle_heap()
        figures = board_service(db, 1, args.runs)
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
        f"Command: `{command}` · machine: {machine()} · registry built in "
        f"{reg.seconds:.0f} s ({len(reg.keys):,} unit × bed type rows, {reg.regions} regions) · "
        f"whole run {total:.0f} s · load average at the end "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (machine shared with other work)",
        "",
        HEADER,
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
        {f.name: {"median": f.median, "p95": f.p95, "errors": f.errors,
                  "timeouts": f.timeouts, "samples": f.samples} for f in figures},
        indent=1))


if __name__ == "__main__":
    main()
