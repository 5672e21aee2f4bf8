"""Benchmark of the bed planning (issue 16, S3): one bed type, observed inputs, a 10-year
simulation — target ≤ 5 s — and the Erlang search alone at the scale of a country.

Run: ``.venv/bin/python -m bench.planning [--runs 10]``. Builds a throw-away demo region on
SQLite, then times ``planning.service.plan_beds`` for multifunctional and ELV (short_stay_high)
beds in each demo region with observed arrivals and stay and a 10-year simulation, and
``erlang.beds_needed`` for loads of 10 to 5,000 erlang at 99.9 %. Every run counts: a run that
fails is reported, not dropped. Prints median and p95 per case, and the demo's answers.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.servers import machine
from bench.stats import summary
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.demo.builder import build_demo
from verkeerstoren.errors import DomainError
from verkeerstoren.planning import erlang, service
from verkeerstoren.planning.schemas import BedPlanIn
from verkeerstoren.registry.models import Region
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _summary(times: list[float], failed: int = 0) -> str:
    return summary(times, errors=failed)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        with db.session() as session:
            bind_actor(session, system_actor("bench"))
            build_demo(session, DATA)
        with db.session() as session:
            regions = session.execute(select(Region.id, Region.name).order_by(Region.id)).all()
        for region_id, region_name in regions:
            for bed_type in ("multifunctional", "short_stay_high"):
                times: list[float] = []
                failures = 0
                answer = None
                for _ in range(args.runs):
                    start = time.perf_counter()
                    try:
                        with db.session() as session:
                            answer = service.plan_beds(session, BedPlanIn(
                                bed_type=bed_type, region_id=region_id, simulate_years=10))
                    except DomainError as error:
                        failures += 1
                        answer = None
                        print(f"  failed: {error}")
                    times.append(time.perf_counter() - start)
                print(f"{region_name}, {bed_type}, observed inputs + 10-year simulation: "
                      f"{_summary(times, failures)}")
                if answer is not None:
                    beds = {g.guarantee_percent: g.beds for g in answer.guarantees}
                    sim = answer.simulation
                    print(f"  arrivals/day {answer.arrivals_per_day:.2f}, stay "
                          f"{answer.mean_stay_days:.1f} d, load {answer.offered_load:.1f}; "
                          f"beds for 95 % {beds[95.0]}, 99 % {beds[99.0]}, 99.9 % {beds[99.9]}"
                          + (f"; simulated refusals {sim.blocking_percent:.2f} % vs Erlang "
                             f"{sim.erlang_percent:.2f} % ({sim.arrivals} arrivals)"
                             if sim else ""))
        for load in (10.0, 500.0, 5000.0):
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                found = erlang.beds_needed(load, 0.999)
                times.append(time.perf_counter() - start)
            print(f"beds_needed({load:.0f} erlang, 99.9 %) = {found.beds}: {_summary(times)}")


if __name__ == "__main__":
    main()
