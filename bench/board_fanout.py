"""What one report costs the app when boards are open (issue 18 item 3: where the mixed load's knee
comes from).

Run: ``.venv/bin/python -m bench.board_fanout [--boards 0 1000] [--rate 20] [--seconds 20]``.

``bench.mixed`` runs everything at once and, on a 2-core machine, the load generator competes
with the server, so a collapse there does not say what each part costs. This one isolates the
live board: it builds the national registry in a fresh PostgreSQL database, serves it with
``serve --workers 2``, opens ``--boards`` event streams (``/board/events?region_id=``, the regions
in turn) read in a separate process, and then sends reports (``POST
/api/v1/availability/bulk``, a unit's 1–2 rows, each through its organisation's token) at a
fixed ``--rate`` below the knee. It measures the CPU of the app processes from /proc during the
reports (not a time: the same on a machine twice as fast in proportion) and divides by the
reports sent: the app's CPU per report, board fan-out included. Latency p50/p95 is given too, but
the CPU per report is the figure to compare; 2 cores divided by it is the report rate at which
the app alone would use the machine. Every report counts, a failed one as its time to failure.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httptools

from bench.lean_http import LeanClient
from bench.mixed import _cpu_of, _server_pid, _tree, open_boards, prepare
from bench.registry import Registry, build
from bench.servers import app_servers, fresh_database, machine
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate


def _readers(base: str, token: str, regions: list[int], count: int, ready: Any,
             stop_at: float) -> None:
    """Process target: ``count`` board streams that read and drop what they get."""
    async def stream(host: str, port: int, region: int, stats: dict[str, int]) -> None:
        request = (f"GET /board/events?region_id={region} HTTP/1.0\r\nHost: {host}\r\n"
                   f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n").encode()
        while time.time() < stop_at:
            try:
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if b" 200 " not in head[:20]:
                    stats["refused"] += 1
                    await asyncio.sleep(1)
                    continue
                stats["connected"] += 1
                while data := await reader.read(65536):
                    stats["bytes"] += len(data)
                    stats["rows"] += data.count(b'"rows"')
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                stats["errors"] += 1
                await asyncio.sleep(1)

    async def run() -> None:
        stats = {"connected": 0, "refused": 0, "errors": 0, "bytes": 0, "rows": 0}
        host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
        tasks = [asyncio.create_task(stream(host, port, regions[i % len(regions)], stats))
                 for i in range(count)]
        while stats["connected"] < count and time.time() < stop_at:
            await asyncio.sleep(0.2)
        ready.put(dict(stats))
        while time.time() < stop_at:
            await asyncio.sleep(0.5)
        ready.put(dict(stats))
        for task in tasks:
            task.cancel()

    asyncio.run(run())


async def _send(base: str, reg: Registry, tokens: dict[int, str], org_of_unit: dict[int, int],
                rate: float, seconds: float, timeout: float) -> tuple[int, dict[str, int],
                                                                      list[float]]:
    units: dict[int, list[tuple[str, int]]] = {}
    for (unit_id, code), physical in sorted(reg.physical.items()):
        units.setdefault(unit_id, []).append((code, physical))
    ids = sorted(units)
    rng = random.Random(1)  # noqa: S311 - reproducible benchmark input
    latencies: list[float] = []
    answers: dict[str, int] = {}
    # Lean, and each report on its own connection, as in bench.mixed (bench/lean_http.py): the
    # sender shares the 2 cores with the app it measures.
    client = LeanClient(base, keep_alive=False)

    async def one(unit_id: int) -> None:
        body = {"reports": [{"unit_id": unit_id, "bed_type_code": c, "staffed": p,
                             "occupied": rng.randint(0, p // 2), "blocked": 0}
                            for c, p in units[unit_id]]}
        started = time.perf_counter()
        try:
            answer = await asyncio.wait_for(client.request(
                "POST", "/api/v1/availability/bulk", json_body=body, headers={
                    "Authorization": f"Bearer {tokens[org_of_unit[unit_id]]}"}), timeout)
            outcome = str(answer.status_code)
        except (OSError, TimeoutError, httptools.HttpParserError) as exc:
            outcome = type(exc).__name__
        answers[outcome] = answers.get(outcome, 0) + 1
        latencies.append(time.perf_counter() - started)  # a failure counts as its time

    started, sent, pending = time.perf_counter(), 0, []
    while time.perf_counter() - started < seconds:
        pending.append(asyncio.create_task(one(ids[(sent * 7919) % len(ids)])))
        sent += 1
        await asyncio.sleep(max(0.0, started + sent / rate - time.perf_counter()))
    await asyncio.gather(*pending)
    return sent, answers, sorted(latencies)


def measure(boards: int, args: argparse.Namespace) -> str:
    """One Markdown table row: ``boards`` open boards, reports at ``args.rate``."""
    with fresh_database("postgresql") as url:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        reg = build(db, locations=2000, units=20_000, reports=0)
        tokens, org_of_unit, region_of_unit = prepare(db, reg)
        db.dispose()
        with app_servers(url, 1, Path(tempfile.mkdtemp(prefix="vt-fanout-")),
                         workers=2) as (base,):
            regions = sorted(set(region_of_unit.values()))
            open_boards(base, reg.coordinator_token, regions, 12)
            ctx = mp.get_context("spawn")
            ready = ctx.Queue()
            connected: dict[str, int] = {}
            if boards:
                ctx.Process(target=_readers, args=(
                    base, reg.coordinator_token, regions, boards, ready,
                    time.time() + 180 + args.seconds)).start()
                connected = ready.get(timeout=240)
            pids = _tree(_server_pid(int(base.rsplit(":", 1)[1])))
            cpu_before, wall_before = sum(map(_cpu_of, pids)), time.time()
            sent, answers, latencies = asyncio.run(_send(
                base, reg, tokens, org_of_unit, args.rate, args.seconds, args.timeout))
            cpu = sum(map(_cpu_of, pids)) - cpu_before
            wall = time.time() - wall_before
    per_report = 1000 * cpu / sent
    p50, p95 = (1000 * latencies[int(len(latencies) * q)] for q in (0.5, 0.95))
    ok = answers.get("201", 0)
    return (f"| {boards} ({connected.get('connected', 0)} connected) | {args.rate:g} | {sent} "
            f"({ok} × 201) | {cpu / wall:.2f} | **{per_report:.1f}** | "
            f"{2000 / per_report:.0f} | {p50:.0f} / {p95:.0f} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(answers.items()))} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.board_fanout", description=__doc__)
    parser.add_argument("--boards", type=int, nargs="+", default=[0, 1000])
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    rows = [measure(boards, args) for boards in args.boards]
    print("\n".join([
        f"#### Board fan-out, PostgreSQL, `serve --workers 2` — "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "",
        f"Command: `python -m bench.board_fanout --boards {' '.join(map(str, args.boards))} "
        f"--rate {args.rate:g} --seconds {args.seconds:g}` · machine: {machine()} · load "
        f"average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}", "",
        "| open boards | reports/s | reports sent | app CPU (cores) | app CPU per report ms "
        "| reports/s that fill 2 cores | p50 / p95 ms | answers |",
        "|---|---|---|---|---|---|---|---|", *rows]))


if __name__ == "__main__":
    main()
