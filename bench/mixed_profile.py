"""Where the CPU of one request of the mixed load goes (cProfile), in one thread.

Run: ``.venv/bin/python -m bench.mixed_profile [--kind report|request|options|reserve]
[--runs 300] [--database sqlite|postgresql] [--top 30]``. Builds the national registry (as
``bench.mixed``), makes the app (``create_app``) and sends ``--runs`` requests of one kind
through the whole ASGI stack (middleware, authentication by token, the route, the commit and
its event) with ``httpx.ASGITransport``; the thread pool is replaced by a direct call so that
cProfile, which follows one thread, sees the route's work too. Prints the CPU per request
and the functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import httpx

from bench.mixed import prepare
from bench.mixed_load import _request_body
from bench.registry import build
from bench.servers import fresh_database
from verkeerstoren.app import create_app
from verkeerstoren.runtime import install_hooks, settle_heap
from verkeerstoren.settings import Settings
from verkeerstoren.storage import Database, migrate


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


async def _run(url: str, kind: str, runs: int) -> tuple[float, pstats.Stats]:
    db = install_hooks(Database(url))
    reg = build(db, locations=2000, units=20_000, reports=0)
    tokens, org_of_unit, _ = prepare(db, reg)
    db.dispose()
    app = create_app(Settings(database_url=url, pull_enabled=False))
    settle_heap()
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # one thread, for cProfile
    rng = random.Random(3)  # noqa: S311 - reproducible benchmark input
    units: dict[int, list[tuple[str, int]]] = {}
    for (unit_id, code), physical in sorted(reg.physical.items()):
        units.setdefault(unit_id, []).append((code, physical))
    unit_ids = sorted(units)
    coordinator = {"Authorization": f"Bearer {reg.coordinator_token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bench") as client:
        async def prepared(n: int) -> Callable[[], Any]:
            if kind == "report":
                unit_id = unit_ids[(n * 7919) % len(unit_ids)]
                report = {"reports": [{"unit_id": unit_id, "bed_type_code": c, "staffed": p,
                                     "occupied": rng.randint(0, p // 2), "blocked": 0}
                                    for c, p in units[unit_id]]}
                headers = {"Authorization": f"Bearer {tokens[org_of_unit[unit_id]]}"}
                return lambda: client.post("/api/v1/availability/bulk", json=report,
                                           headers=headers)
            if kind == "request":
                body = _request_body(rng, n)
                return lambda: client.post("/api/v1/placement/requests", json=body,
                                           headers=coordinator)
            made = await client.post("/api/v1/placement/requests", json=_request_body(rng, n),
                                     headers=coordinator)
            rid = made.json()["id"]
            if kind == "options":
                return lambda: client.get(f"/api/v1/placement/requests/{rid}/options",
                                          headers=coordinator)
            found = (await client.get(f"/api/v1/placement/requests/{rid}/options",
                                      headers=coordinator)).json()["options"]
            option = found[0] if found else {"unit_id": 1, "bed_type_code": "x"}
            return lambda: client.post(
                f"/api/v1/placement/requests/{rid}/reservations", headers=coordinator,
                json={"unit_id": option["unit_id"], "bed_type_code": option["bed_type_code"]})

        async with app.router.lifespan_context(app):
            for n in range(5):  # warm-up
                await (await prepared(n))()
            calls = [await prepared(n) for n in range(5, runs + 5)]
            profile = cProfile.Profile()
            started = time.process_time()
            profile.enable()
            statuses = [(await call()).status_code for call in calls]
            profile.disable()
            cpu = (time.process_time() - started) / runs
    print(f"statuses: { {s: statuses.count(s) for s in set(statuses)} }")
    return cpu, pstats.Stats(profile)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed_profile", description=__doc__)
    parser.add_argument("--kind", choices=("report", "request", "options", "reserve"),
                        default="report")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    with fresh_database(args.database) as url:
        migrate.upgrade(url)
        cpu, stats = asyncio.run(_run(url, args.kind, args.runs))
    print(f"{args.kind}: {1000 * cpu:.1f} ms CPU per request (profiled, so inflated)")
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
