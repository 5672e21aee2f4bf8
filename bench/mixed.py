"""Mixed load at national rates (issue 18 item 3), through the real HTTP API.

Run: ``.venv/bin/python -m bench.mixed [--database sqlite|postgresql] [--seconds 45]
[--reservation-rates 1,5,20,40] [--boards 1000] [--report-rate 66.7]``.

Builds the national registry (``bench.registry``: 2,000 locations, 20,000 units) in a fresh
database, issues an API token per provider organisation and one for the coordinators (each
checked through ``/api/v1/me`` before the load starts), starts ``verkeerstoren serve`` (one
process on SQLite, ``--workers 2`` on PostgreSQL) and runs, all at once (``bench.mixed_load``,
one process each):

* every unit reporting its beds every 5 minutes: 20,000 / 300 s ≈ 67 reports/s, open loop,
  each through its organisation's token (``POST /api/v1/availability/bulk``, its 1–2 rows);
* ``--boards`` open boards on the event stream (``/board/events?region_id=``, the regions in
  turn, each board first served by the app as its page load does), timing each report's event
  from the moment the report was sent to its arrival on every board of the unit's region;
* coordinators at each step's reservation rate (open loop): create a request, ask its ranked
  options, reserve one of the best five (the next on a 409); the provider answers 1–4 s later
  through its own token (3 of 4 accept, 1 declines).

After a warm-up, one step of ``--seconds`` per reservation rate. Prints per step and request
kind: offered and achieved rate, p50/p95/p99 latency (time-outs counted as the time-out),
errors; the event delivery; the CPU of the app processes, of PostgreSQL's backends and of the
load generator itself (2 cores: the generator competes with the server); and, after the run,
the overbookings counted by SQL. Written to var/bench/ as well.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import os
import queue
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import create_engine, select, text

from bench import mixed_load
from bench.mixed_load import Plan, Sample
from bench.registry import Registry, build
from bench.servers import app_servers, fresh_database, machine
from verkeerstoren.access import service as access_service
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.registry.models import CareUnit, Gemeente, Location, Organisation
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate

KINDS = ("report", "request", "options", "reserve", "answer")
GENERATORS = ("boards", "reporter", "coordinator")  # the generator processes, in start order
TICK = os.sysconf("SC_CLK_TCK")

# Overbooking, counted from the rows themselves, not from the counter the app keeps: the beds
# of a unit × bed type taken by its live holds (reservation rows) plus its occupied and
# blocked beds beyond its staffed beds; the held counter out of step with the holds; a request
# holding or placed in more than one bed; and the state the CHECK constraint forbids.
OVERBOOKING_SQL = {
    "unit × bed type with live holds + occupied + blocked > staffed": """
        SELECT count(*) FROM bed_state b JOIN (
            SELECT unit_id, bed_type_code, count(*) AS n FROM reservation
            WHERE status = 'held' GROUP BY unit_id, bed_type_code) r
          ON r.unit_id = b.unit_id AND r.bed_type_code = b.bed_type_code
        WHERE b.occupied + b.blocked + r.n > b.staffed""",
    "held counter ≠ live hold rows": """
        SELECT count(*) FROM bed_state b LEFT JOIN (
            SELECT unit_id, bed_type_code, count(*) AS n FROM reservation
            WHERE status = 'held' GROUP BY unit_id, bed_type_code) r
          ON r.unit_id = b.unit_id AND r.bed_type_code = b.bed_type_code
        WHERE b.held <> coalesce(r.n, 0)""",
    "requests holding or placed in more than one bed": """
        SELECT count(*) FROM (SELECT request_id FROM reservation
            WHERE status IN ('held', 'accepted') GROUP BY request_id HAVING count(*) > 1) x""",
    "bed states with occupied + blocked + held > staffed": """
        SELECT count(*) FROM bed_state WHERE occupied + blocked + held > staffed""",
}


# ---- CPU accounting from /proc ----------------------------------------------------------------

def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _server_pid(port: int) -> int:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            if b"serve" in args and str(port).encode() in args:
                return int(entry)
    raise RuntimeError(f"no server process on port {port}")


def _machine_busy() -> float:
    with open("/proc/stat", encoding="ascii") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICK  # all but idle and iowait


class CpuSampler(threading.Thread):
    """At each step boundary: CPU seconds so far of the app, PostgreSQL's backends of this
    database, the generator processes and the whole machine; and the load average."""

    def __init__(self, boundaries: list[float], server: int, generators: list[int],
                 pg_url: str | None) -> None:
        super().__init__(daemon=True)
        self.boundaries, self.server, self.generators = boundaries, server, generators
        self.engine = create_engine(pg_url) if pg_url else None
        self.samples: list[dict[str, Any]] = []

    def _pg(self) -> dict[int, float]:
        if self.engine is None:
            return {}
        with self.engine.connect() as conn:
            pids = conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars().all()
        return {pid: _cpu_of(pid) for pid in pids}

    def sample(self) -> dict[str, Any]:
        app = {p: _cpu_of(p) for p in _tree(self.server)}
        return {"at": time.time(), "app": sum(app.values()), "app_each": app,
                "pg": self._pg(), "generators": [_cpu_of(p) for p in self.generators],
                "machine": _machine_busy(), "load": os.getloadavg()}

    def run(self) -> None:
        for at in self.boundaries:
            time.sleep(max(0.0, at - time.time()))
            self.samples.append(self.sample())


def cpu_per_step(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for before, after in itertools.pairwise(samples):
        seconds = after["at"] - before["at"]
        pg = sum(v - before["pg"].get(pid, 0.0) for pid, v in after["pg"].items())
        gens = [(a - b) / seconds
                for a, b in zip(after["generators"], before["generators"], strict=True)]
        # Per app process, busiest first: keep-alive connections stay with the process that
        # accepted them, so the processes need not share the work evenly.
        each = sorted((v - before["app_each"].get(pid, 0.0) for pid, v in
                       after["app_each"].items()), reverse=True)
        out.append({"app": (after["app"] - before["app"]) / seconds, "pg": pg / seconds,
                    "app_each": "/".join(f"{v / seconds:.2f}" for v in each if v > 0.01),
                    "generator": sum(gens), **dict(zip(GENERATORS, gens, strict=True)),
                    "machine": (after["machine"] - before["machine"]) / seconds,
                    "load": after["load"][0]})
    return out


# ---- the run ----------------------------------------------------------------------------------

def prepare(db: Database, reg: Registry) -> tuple[dict[int, str], dict[int, int],
                                                   dict[int, int]]:
    """A provider token per organisation; each unit's organisation and region."""
    tokens: dict[int, str] = {}
    with db.session() as session:
        bind_actor(session, system_actor("bench mixed"))
        for org in session.scalars(select(Organisation.id)):
            tokens[org] = access_service.create_token(
                session, name=f"mixed-provider-{org}", role=Role.PROVIDER,
                organisation_id=org, created_by=system_actor("bench mixed")).secret
        rows = session.execute(
            select(CareUnit.id, CareUnit.organisation_id, Gemeente.region_id)
            .join(Location, Location.id == CareUnit.location_id)
            .join(Gemeente, Gemeente.code == Location.gemeente_code)).all()
    return tokens, {u: o for u, o, _ in rows}, {u: r for u, _, r in rows if r is not None}


def check_logins(base: str, reg: Registry, tokens: dict[int, str]) -> None:
    """Every kind of token the load uses really authenticates, as the role it should."""
    for token, role in ((reg.coordinator_token, "coordinator"),
                        (tokens[reg.provider_org], "provider")):
        answer = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                           timeout=30)
        assert answer.status_code == 200, (answer.status_code, answer.text[:200])
        assert answer.json()["role"] == role, answer.json()
    bad = httpx.get(f"{base}/api/v1/me", headers={"Authorization": "Bearer vt_wrong"},
                    timeout=30)
    assert bad.status_code == 401, bad.status_code


def open_boards(base: str, token: str, regions: list[int], times: int) -> None:
    """Each region's board served ``times`` times on fresh connections, so that every app
    process behind the port has built it, as the page load that opens a board does."""
    for region in regions:
        for _ in range(times):
            with httpx.Client(base_url=base, timeout=60) as client:
                client.get("/api/v1/board", params={"region_id": region},
                           headers={"Authorization": f"Bearer {token}"}).raise_for_status()


def overbookings(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return {name: int(conn.execute(text(sql)).scalar_one())
                    for name, sql in OVERBOOKING_SQL.items()}
    finally:
        engine.dispose()


def run_load(url: str, base: str, port: int, reg: Registry, tokens: dict[int, str],
             org_of_unit: dict[int, int], region_of_unit: dict[int, int],
             args: argparse.Namespace) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    sent, ready, out = ctx.Queue(), ctx.Queue(), ctx.Queue()
    plans = [ctx.Queue() for _ in range(3)]
    units: dict[int, list[tuple[str, int]]] = {}
    for (unit_id, code), physical in sorted(reg.physical.items()):
        units.setdefault(unit_id, []).append((code, physical))
    regions = sorted(set(region_of_unit.values()))
    procs = [
        ctx.Process(target=mixed_load.boards, args=(
            base, reg.coordinator_token, args.boards, regions, region_of_unit, sent, ready,
            plans[0], out)),
        ctx.Process(target=mixed_load.reporter, args=(
            base, sorted(units.items()), tokens, org_of_unit, sent, ready, plans[1], out)),
        ctx.Process(target=mixed_load.coordinator, args=(
            base, reg.coordinator_token, tokens, ready, plans[2], out)),
    ]
    for proc in procs:
        proc.start()
    readies = [ready.get(timeout=300) for _ in procs]
    connected = next(r for r in readies if isinstance(r, int))
    plan = Plan(time.time() + 2, args.warmup, args.seconds, tuple(args.reservation_rates),
                args.report_rate, args.timeout)
    boundaries = [plan.start + plan.warmup + i * plan.step_seconds
                  for i in range(len(plan.rates) + 1)]
    sampler = CpuSampler(boundaries, _server_pid(port), [p.pid or 0 for p in procs],
                         None if url.startswith("sqlite") else url.replace(
                             "postgresql://", "postgresql+psycopg://", 1))
    sampler.start()
    for q in plans:
        q.put(plan)
    results: dict[str, Any] = {}
    for _ in procs:
        try:
            item = out.get(timeout=max(1.0, plan.end - time.time()) + plan.timeout + 120)
        except queue.Empty:  # counted as missing figures below, never as a success
            break
        results[item[0]] = item
    missing = [name for name in ("boards", "reporter", "coordinator") if name not in results]
    results.setdefault("boards", ("boards", [], {"generator did not finish": 1}, {}, {}, 0, 0))
    for name in ("reporter", "coordinator"):
        results.setdefault(name, (name, [], {"generator did not finish": 1}, [], 0))
    for proc in procs:
        proc.join(timeout=30)
        if proc.is_alive():  # ours: it gave its figures; do not wait for its clean-up
            proc.kill()
    sampler.join(timeout=60)
    return {"plan": plan, "connected": connected, "results": results, "missing": missing,
            "cpu": cpu_per_step(sampler.samples)}


# ---- the tables -------------------------------------------------------------------------------

def _pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000 if values else float("nan")


def step_rows(plan: Plan, samples: list[Sample], step: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for kind in KINDS:
        mine = [s for s in samples if s[0] == kind and s[1] == step]
        latencies = [s[2] for s in mine]
        outcomes = Counter(s[3] for s in mine)
        rows.append((kind, f"{len(mine) / plan.step_seconds:.1f}",
                     f"{outcomes['ok'] / plan.step_seconds:.1f}",
                     f"{_pct(latencies, 50):.0f}", f"{_pct(latencies, 95):.0f}",
                     f"{_pct(latencies, 99):.0f}", str(outcomes["error"]),
                     f"{outcomes['conflict']} × 409, {outcomes['refused']} × other 4xx"))
    return rows


def delivery_row(plan: Plan, done: list[Any], frames: dict[int, int], step: int
                 ) -> tuple[str, ...]:
    mine = [d for d in done if d[0] == step]
    per_board = [x for d in mine for x in d[4]]
    expected = sum(d[1] for d in mine)
    got = sum(d[2] for d in mine)
    with_rows = sum(d[5] for d in mine)
    return ("event delivery", f"{expected / plan.step_seconds:.0f} board×report",
            f"{got / plan.step_seconds:.0f}", f"{_pct(per_board, 50):.0f}",
            f"{_pct(per_board, 95):.0f}", f"{_pct(per_board, 99):.0f}", str(expected - got),
            f"to the region's last board p95 {_pct([d[3] for d in mine], 95):.0f} ms; "
            f"{len(mine)} reports; {with_rows} arrivals with rows; frames read "
            f"{frames.get(step, 0) / plan.step_seconds:.0f}/s")


def render(args: argparse.Namespace, command: str, outcome: dict[str, Any],
           checks: dict[str, int], load_before: tuple[float, ...], processes: int) -> str:
    plan: Plan = outcome["plan"]
    res = outcome["results"]
    samples = res["reporter"][1] + res["coordinator"][1]
    _, done, board_errors, frames, foreign, connected_end, _ = res["boards"]
    missing = outcome.get("missing") or []
    lines = [f"#### {args.database}, {processes} app process(es) — "
             f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "",
             f"Command: `{command}` · machine: {machine()} · load average before "
             f"{' / '.join(f'{x:.1f}' for x in load_before)}, after "
             f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} · measured under load "
             f"(machine shared with other sessions) · boards connected "
             f"{outcome['connected']}/{args.boards} at the start, {connected_end} at the end"
             f" · request time-out {plan.timeout:.0f} s", "",
             *([f"**Figures missing: the {', '.join(missing)} generator(s) did not hand them "
                "in (killed); the run is a failure, not a result.**", ""] if missing else [])]
    knee = None
    for step, rate in enumerate(plan.rates):
        cpu = outcome["cpu"][step] if step < len(outcome["cpu"]) else {}
        rows = step_rows(plan, samples, step)
        delivery = delivery_row(plan, done, frames, step)
        broken = [r[0] for r in rows if r[6] != "0" or float(r[4]) > 200]
        if broken and knee is None:
            knee = (rate, broken)
        gen_share = cpu.get("generator", 0) / cpu["machine"] if cpu.get("machine") else 0
        lag = [x for name in ("reporter", "coordinator") for st, x in res[name][3] if st == step]
        split = ", ".join(f"{g} {cpu.get(g, 0):.2f}" for g in GENERATORS)
        lines += [
            f"**{rate:g} reservations/s** ({plan.step_seconds:.0f} s; reports "
            f"{plan.report_rate:.1f}/s) — CPU (cores): app {cpu.get('app', 0):.2f} "
            f"(per process {cpu.get('app_each', '')}), "
            f"PostgreSQL backends {cpu.get('pg', 0):.2f}, load generator "
            f"{cpu.get('generator', 0):.2f} ({100 * gen_share:.0f} % of the machine's busy "
            f"CPU; {split}), whole machine {cpu.get('machine', 0):.2f} of {os.cpu_count()}; load "
            f"average {cpu.get('load', 0):.1f}; the generator's own lag (request sent − "
            f"scheduled) p50 {_pct(lag, 50):.0f} ms, p95 {_pct(lag, 95):.0f} ms; frames about "
            f"other regions {foreign.get(step, 0) / plan.step_seconds:.0f}/s", "",
            "| step | offered /s | achieved /s | p50 ms | p95 ms | p99 ms | errors | note |",
            "|---|---|---|---|---|---|---|---|",
            *[f"| {' | '.join(r)} |" for r in [*rows, delivery]], ""]
    statuses = Counter(res["reporter"][2]) + Counter(res["coordinator"][2])
    lines += [
        "Answers over the whole run: " + ", ".join(f"{k}: {v}" for k, v in
                                                   sorted(statuses.items())),
        f"; board stream errors: {board_errors or 'none'}", "",
        "Knee (first step with an error or a p95 over 200 ms): " + (
            f"**{knee[0]:g} reservations/s** ({', '.join(knee[1])})" if knee
            else "not reached"), "",
        "Overbookings after the run (SQL on the database): " + "; ".join(
            f"{name}: **{n}**" for name, n in checks.items()), ""]
    return "\n".join(lines)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=45, help="seconds per step")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--reservation-rates", type=lambda v: [float(x) for x in v.split(",")],
                        default=[1.0, 5.0, 20.0, 40.0])
    parser.add_argument("--report-rate", type=float, default=20_000 / 300)
    parser.add_argument("--boards", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--locations", type=int, default=2000)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=None,
                        help="app processes (default: 1 on SQLite, 2 on PostgreSQL)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    text_out, _, _ = run(args, ".venv/bin/python -m bench.mixed " + " ".join(
        sys.argv[1:] if argv is None else argv))
    print(text_out)


def run(args: argparse.Namespace, command: str
        ) -> tuple[str, dict[str, Any], dict[str, int]]:
    """Build, serve, load, count; returns the Markdown, the raw outcome and the checks."""
    processes = args.workers or (1 if args.database == "sqlite" else 2)
    load_before = os.getloadavg()
    log_dir = Path(tempfile.mkdtemp(prefix="vt-mixed-"))
    with fresh_database(args.database) as url:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        reg = build(db, locations=args.locations, units=args.units, reports=0)
        tokens, org_of_unit, region_of_unit = prepare(db, reg)
        db.dispose()
        print(f"built in {reg.seconds:.0f} s; {len(tokens)} provider tokens", flush=True)
        with app_servers(url, 1, log_dir, workers=processes) as (base,):
            check_logins(base, reg, tokens)
            # Connections land on the processes at random: 6 per process leaves a region
            # unbuilt in one of two processes with a chance of 2 × 2⁻¹² per region.
            open_boards(base, reg.coordinator_token, sorted(set(region_of_unit.values())),
                        6 * processes)
            outcome = run_load(url, base, int(base.rsplit(":", 1)[1]), reg, tokens,
                               org_of_unit, region_of_unit, args)
        checks = overbookings(url)
    text_out = render(args, command, outcome, checks, load_before, processes)
    folder = Path("var") / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"mixed-{args.database}-{datetime.now(UTC):%Y%m%d-%H%M%S}.md").write_text(
        text_out)
    return text_out, outcome, checks


if __name__ == "__main__":
    main()
