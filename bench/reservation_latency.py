"""Latency of one reservation through the HTTP API at 1, 8 and 16 concurrent coordinators.

Run: ``.venv/bin/python -m bench.reservation_latency [--database postgresql] [--servers 2]
[--coordinators 1 8 16] [--per-coordinator 40] [--warmup 5]``.

Builds a registry (``bench.registry``), opens one request per free, fresh unit × bed type and
starts ``--servers`` real ``verkeerstoren serve`` processes on the database
(``bench.servers.app_servers``). For each concurrency step, that many client processes
(coordinators) each POST ``/api/v1/placement/requests/{id}/reservations`` with the
coordinator's token for their own requests, one after the other, spread over the servers;
the first ``--warmup`` of each client are not timed. Every answer counts: a 201 is a
reservation, anything else (or a time-out after 30 s) an error, and its time stays in the
percentiles. Distinct beds, so a 409 would be a fault, not a race lost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.placement import _open_requests
from bench.registry import build
from bench.servers import app_servers, fresh_database, machine, run_workers
from bench.stats import Figure
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.base import utcnow


def _client(url: str, jobs: list[tuple[Any, ...]], start: Any, seconds: float,
            out: Any) -> None:
    """One coordinator: its jobs are (base URL, token, warm-up?, request, unit, bed type)."""
    times: list[float] = []
    codes: dict[int, int] = {}
    clients: dict[str, httpx.Client] = {}
    start.wait()
    for base, token, warmup, request_id, unit_id, code in jobs:
        client = clients.get(base) or clients.setdefault(base, httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}))
        began = time.perf_counter()
        try:
            status = client.post(f"/api/v1/placement/requests/{request_id}/reservations",
                                 json={"unit_id": unit_id, "bed_type_code": code}).status_code
        except httpx.HTTPError:
            status = 0  # a time-out or a dropped connection: an error, timed
        elapsed = (time.perf_counter() - began) * 1000
        if not warmup:
            times.append(elapsed)
            codes[status] = codes.get(status, 0) + 1
    for opened in clients.values():
        opened.close()
    out.put((times, codes))


def step(bases: list[str], token: str, jobs: list[tuple[int, int, str]], coordinators: int,
         per: int, warmup: int) -> tuple[Figure, dict[int, int], float]:
    """One concurrency step; ``jobs`` must hold coordinators × (per + warmup) requests."""
    count = per + warmup
    work: list[tuple[Any, ...]] = []
    for c in range(coordinators):
        for n, (request_id, unit_id, code) in enumerate(jobs[c * count:(c + 1) * count]):
            work.append((bases[(c + n) % len(bases)], token, n < warmup, request_id, unit_id,
                         code))
    # run_workers deals jobs round-robin: order them so each client gets its own run.
    dealt = [work[c * count + n] for n in range(count) for c in range(coordinators)]
    elapsed, results = run_workers(_client, "", dealt, coordinators, 0)
    times = [t for r in results for t in r[0]]
    codes: dict[int, int] = {}
    for _, found in results:
        for status, n in found.items():
            codes[status] = codes.get(status, 0) + n
    ok = codes.get(201, 0)
    note = (f"{len(times)} timed, {ok} reserved (201), "
            f"{sum(n for s, n in codes.items() if s != 201)} errors {dict(sorted(codes.items()))};"
            f" {ok / elapsed:.0f} reservations/s over the step")
    figure = Figure(f"POST …/reservations, {coordinators} concurrent coordinator(s)", times,
                    None, note)
    # Every attempt is in the samples; an answer other than 201 (0: no answer) is an error.
    figure.errors = sum(n for s, n in codes.items() if s != 201)
    return figure, codes, elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reservation_latency",
                                     description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--locations", type=int, default=200)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--coordinators", type=int, nargs="+", default=[1, 8, 16])
    parser.add_argument("--per-coordinator", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    command = ".venv/bin/python -m bench.reservation_latency " + " ".join(
        sys.argv[1:] if argv is None else argv)
    load_before = os.getloadavg()
    started = time.perf_counter()
    figures: list[Figure] = []
    with fresh_database(args.database) as url:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        reg = build(db, locations=args.locations, units=args.units, reports=0)
        jobs = _open_requests(db, utcnow())
        db.dispose()
        need = sum(args.coordinators) * (args.per_coordinator + args.warmup)
        if len(jobs) < need:
            raise SystemExit(f"{len(jobs)} free beds for {need} reservations")
        with tempfile.TemporaryDirectory(prefix="vt-bench-") as logs, \
                app_servers(url, args.servers, Path(logs)) as bases:
            offset = 0
            for coordinators in args.coordinators:
                size = coordinators * (args.per_coordinator + args.warmup)
                figure, _, _ = step(bases, reg.coordinator_token, jobs[offset:offset + size],
                                    coordinators, args.per_coordinator, args.warmup)
                offset += size
                figures.append(figure)
                print(figure.row(), flush=True)
    lines = [
        f"### reservation latency over HTTP, {args.database}, {args.servers} app processes — "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command}` · machine: {machine()} · whole run "
        f"{time.perf_counter() - started:.0f} s · load average (`uptime`) before "
        f"{' / '.join(f'{x:.1f}' for x in load_before)}, after "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (measured under load: clients, "
        "servers and PostgreSQL share the 2 cores with other sessions' work)",
        "",
        "| measure | runs | median ms | p95 ms | target (p95) | | note |",
        "|---|---|---|---|---|---|---|",
        *[f.row() for f in figures],
        "",
    ]
    if figures and figures[0].samples and figures[-1].samples:
        ratio = statistics.median(figures[-1].samples) / statistics.median(figures[0].samples)
        lines.append(f"Same-run ratio: median at {args.coordinators[-1]} coordinators / median "
                     f"at {args.coordinators[0]}: {ratio:.1f} ×")
    text_out = "\n".join(lines)
    print(text_out)
    folder = Path("var") / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"reservation-latency-{datetime.now(UTC):%Y%m%d-%H%M%S}.md").write_text(text_out)


if __name__ == "__main__":
    main()
