"""Write bursts against one real server (issue 12 item 3): many clients POST at the same moment.

Run: ``.venv/bin/python -m bench.bursts [--database sqlite|postgresql] [--requests 80]
[--reservations 200] [--timeout 60]``. Builds the demo region in a fresh database, issues a
coordinator API token, starts ``verkeerstoren serve`` (``bench.servers``) and fires

1. ``--requests`` concurrent ``POST /api/v1/placement/requests`` (each its own pseudonym);
2. ``--reservations`` concurrent ``POST /api/v1/placement/requests/{id}/reservations``, one
   per open request made beforehand, spread over the demo's free beds (fresh reports make every
   registered bed free; more holds than beds give 409s).

Each client gives up after ``--timeout`` seconds. Prints, per burst: the answers counted by
status, client time-outs, the wall time from the first request to the last answer, the slowest
answer, and what the database holds afterwards: rows missing for a 201 a client saw (must be 0)
and rows committed for a client that did not get a 201 (work for a client that had gone).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.servers import app_servers, fresh_database, machine
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.models import User
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.access.service import actor_for_user, create_token
from verkeerstoren.capacity import service as capacity
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.demo.builder import build_demo
from verkeerstoren.placement.matching import FINANCING
from verkeerstoren.placement.models import PlacementRequest, Reservation
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.base import utcnow
from verkeerstoren.storage.db import read_only_session


@dataclass
class Outcome:
    """What the clients of one burst saw."""

    name: str
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    created: dict[str, int] = field(default_factory=dict)  # client key -> id in its 201
    not_created: set[str] = field(default_factory=set)  # keys without a 201
    seconds: float = 0.0
    slowest: float = 0.0
    retry_after: set[str] = field(default_factory=set)  # Retry-After values on 503s


def prepare(url: str) -> str:
    """Migrate, build the demo region, make every registered bed free; a coordinator token."""
    migrate.upgrade(url)
    db = install_hooks(Database(url))
    try:
        with db.session() as session:
            bind_actor(session, system_actor("bench bursts"))
            build_demo(session, None)
        with db.session() as session:
            bind_actor(session, system_actor("bench bursts"))
            rows = [ReportIn(unit_id=u.unit_id, bed_type_code=u.bed_type_code,
                             staffed=u.physical_beds, occupied=0)
                    for u in session.scalars(select(UnitBedType)) if u.physical_beds > 0]
            capacity.submit_reports(session, system_actor("bench bursts"), rows,
                                    ReportSource.API)
            user = session.scalars(select(User).where(User.role == Role.COORDINATOR)).first()
            assert user is not None
            issued = create_token(session, name="bench bursts", role=Role.COORDINATOR,
                                  organisation_id=user.organisation_id,
                                  created_by=actor_for_user(user))
            return issued.secret
    finally:
        db.dispose()


def free_beds(url: str) -> list[tuple[int, str]]:
    """One (unit, bed type) entry per free bed."""
    db = Database(url)
    try:
        with db.session() as session:
            return [(u.unit_id, u.bed_type_code)
                    for u in session.scalars(select(UnitBedType).order_by(UnitBedType.unit_id))
                    for _ in range(u.physical_beds)]
    finally:
        db.dispose()


def request_body(key: str, bed_type: str) -> dict[str, object]:
    return {"pseudonym": key, "birth_year": 1942, "sex": "f", "postcode_area": 2712,
            "referrer_name": "Dr. Burst", "bed_types": [bed_type],
            "wanted_start": utcnow().date().isoformat(),
            "financing": sorted(FINANCING[bed_type])[0], "urgency": "today"}


async def burst(name: str, base: str, token: str, posts: list[tuple[str, str, dict[str, object]]],
                timeout: float) -> Outcome:
    """POST every (key, path, body) at once, each from its own connection."""
    outcome = Outcome(name)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=limits,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        async def one(key: str, path: str, body: dict[str, object]) -> None:
            began = time.perf_counter()
            try:
                answer = await client.post(path, json=body, timeout=timeout)
            except httpx.TimeoutException:
                outcome.statuses["client time-out"] += 1
                outcome.not_created.add(key)
            except httpx.HTTPError as exc:
                outcome.statuses[type(exc).__name__] += 1
                outcome.not_created.add(key)
            else:
                outcome.statuses[str(answer.status_code)] += 1
                if answer.status_code == 201:
                    outcome.created[key] = answer.json()["id"]
                else:
                    outcome.not_created.add(key)
                if answer.status_code == 503:
                    outcome.retry_after.add(answer.headers.get("retry-after", "none"))
            outcome.slowest = max(outcome.slowest, time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(one(*post) for post in posts))
        outcome.seconds = time.perf_counter() - began
    return outcome


def stored_requests(url: str, keys: set[str]) -> dict[str, int]:
    db = Database(url)
    try:
        with db.session() as session:
            read_only_session(session)  # the server may still be writing
            rows = session.execute(select(PlacementRequest.pseudonym, PlacementRequest.id)
                                   .where(PlacementRequest.pseudonym.in_(keys))).all()
            return {pseudonym: rid for pseudonym, rid in rows if pseudonym is not None}
    finally:
        db.dispose()


def stored_reservations(url: str, request_ids: dict[str, int]) -> dict[str, int]:
    """Client key -> reservation id, for the reservations held for these requests."""
    by_request = {rid: key for key, rid in request_ids.items()}
    db = Database(url)
    try:
        with db.session() as session:
            read_only_session(session)
            rows = session.execute(select(Reservation.request_id, Reservation.id)
                                   .where(Reservation.request_id.in_(by_request))).all()
            return {by_request[rid]: res for rid, res in rows}
    finally:
        db.dispose()


def report(outcome: Outcome, stored: dict[str, int]) -> str:
    missing = [k for k, v in outcome.created.items() if stored.get(k) != v]
    orphans = [k for k in outcome.not_created if k in stored]
    counts = ", ".join(f"{n} × {status}" for status, n in sorted(outcome.statuses.items()))
    retry = f"; Retry-After {'/'.join(sorted(outcome.retry_after))}" if outcome.retry_after else ""
    return (f"| {outcome.name} | {counts}{retry} | {outcome.seconds:.1f} s | "
            f"{outcome.slowest:.1f} s | {len(missing)} | {len(orphans)} |")


def run(database: str, requests: int, reservations: int, timeout: float) -> list[str]:
    lines: list[str] = []
    with fresh_database(database) as url:
        token = prepare(url)
        beds = free_beds(url)
        with app_servers(url, 1, Path(tempfile.mkdtemp(prefix="vt-bursts-"))) as (base,):
            # The token is accepted (a 401 here would make every burst a burst of 401s).
            httpx.get(f"{base}/api/v1/placement/requests", timeout=60,
                      headers={"Authorization": f"Bearer {token}"}).raise_for_status()
            posts = [(f"burst-req-{n:05d}", "/api/v1/placement/requests",
                      request_body(f"burst-req-{n:05d}", beds[n % len(beds)][1]))
                     for n in range(requests)]
            outcome = asyncio.run(burst(f"{requests} × POST /placement/requests", base, token,
                                        posts, timeout))
            lines.append(report(outcome, stored_requests(url, set(outcome.created)
                                                         | outcome.not_created)))
            print(lines[-1], flush=True)
            if reservations:
                # The open requests first, a few at a time (not part of the measured burst).
                wanted = [(f"burst-res-{n:05d}", beds[n % len(beds)]) for n in range(reservations)]
                made: dict[str, int] = {}
                with httpx.Client(base_url=base, timeout=60,
                                  headers={"Authorization": f"Bearer {token}"}) as client:
                    for key, (_, code) in wanted:
                        answer = client.post("/api/v1/placement/requests",
                                             json=request_body(key, code))
                        answer.raise_for_status()
                        made[key] = answer.json()["id"]
                holds = [(key, f"/api/v1/placement/requests/{made[key]}/reservations",
                          {"unit_id": unit, "bed_type_code": code})
                         for key, (unit, code) in wanted]
                outcome = asyncio.run(burst(f"{reservations} × POST …/reservations "
                                            f"({len(beds)} free beds)", base, token, holds,
                                            timeout))
                # Leave the server a moment to finish what clients that gave up had started.
                time.sleep(min(timeout, 5))
                lines.append(report(outcome, stored_reservations(url, made)))
                print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bursts", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--reservations", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args(argv)
    rows = run(args.database, args.requests, args.reservations, args.timeout)
    print(f"### bursts on {args.database}, one `verkeerstoren serve` process\n\nmachine: "
          f"{machine()}; client time-out {args.timeout:.0f} s\n\n"
          "| burst | answers | wall time | slowest | 201 without row | row without 201 |\n"
          "|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
