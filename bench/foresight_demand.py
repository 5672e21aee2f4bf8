"""Benchmark of demand, workforce, the zorgkloof and scenarios (issue 16 items 3-5, S2).

Run: ``PYTHONPATH=src:. .venv/bin/python -m bench.foresight_demand [--runs 10]``.

Builds a throw-away demo region on SQLite with its open data, then times, end to end in a fresh
database session each run (so the stored inputs are read and the population projected again):

1. ``compare.compare`` for both demo regions: all their gemeenten to 2040, the reference and
   the 3 named scenarios, each scenario's levers switched on one by one for the attribution
   (target ≤ 2 s for both regions together);
2. three migration scenarios (factor 0.5, 1.0, 1.5) through ``outlook.outlook`` for both regions:
   each needs its own population projection;
3. the beds needed per year to 2040 for multifunctional and ELV beds.

Every run counts. Prints median and p95, and the demo's answers (demand growth 2024→2030 per
sector against the Haaglanden region plan's anchors, zorgkloof, beds).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bench.servers import machine
from bench.stats import summary
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.demo.builder import build_demo
from verkeerstoren.errors import DomainError
from verkeerstoren.foresight import beds, compare, outlook
from verkeerstoren.foresight.schemas import BedsPerYearIn, ComparisonIn, LeversIn, OutlookIn
from verkeerstoren.opendata import service
from verkeerstoren.registry.models import Region
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# Regioplan Haaglanden 2024-2030: expected growth of demand per sector (the seeds).
ANCHORS = {"gp": 10, "district_nursing": 25, "hospital": 15, "emergency": 15,
           "nursing_home": 25}


def _summary(label: str, times: list[float], failed: int = 0) -> str:
    return f"{label}: {summary(times, errors=failed)}"


def _time(db: Database, work: Callable[..., object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with db.session() as session:
            bind_actor(session, system_actor("bench"))
            work(session)
        times.append(time.perf_counter() - start)
    return times


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
            actor = system_actor("bench")
            bind_actor(session, actor)
            build_demo(session, DATA)
            service.load_all(session, actor, DATA, keep=service.region_scope(session))
        with db.session() as session:
            regions = [(outlook.region_code(r), r.name)
                       for r in session.scalars(select(Region).order_by(Region.name))]

        def scenarios(session: object) -> None:
            for code, _ in regions:
                compare.compare(session, ComparisonIn(area_code=code))  # type: ignore[arg-type]

        def migration(session: object) -> None:
            for code, _ in regions:
                for factor in (0.5, 1.0, 1.5):
                    outlook.outlook(session, OutlookIn(  # type: ignore[arg-type]
                        area_code=code, levers=LeversIn(migration_factor=factor)))

        refused: list[str] = []

        def bed_plans(session: object) -> None:
            for code, _ in regions:
                for bed in ("multifunctional", "short_stay_high"):
                    # A plan the domain refuses (too few observed requests) is fast and no
                    # plan: counted and named, not timed as if it had been made.
                    try:
                        beds.beds_per_year(session, BedsPerYearIn(  # type: ignore[arg-type]
                            area_code=code, bed_type=bed))
                    except DomainError as error:
                        refused.append(f"{code} {bed}: {error}")

        print(_summary("both regions, reference + 3 named scenarios with attribution, to 2040",
                       _time(db, scenarios, args.runs)))
        print(_summary("both regions, 3 migration scenarios (3 projections each), to 2040",
                       _time(db, migration, args.runs)))
        plans = _time(db, bed_plans, args.runs)
        print(_summary("both regions, beds per year to 2040, multifunctional + ELV hoog",
                       plans) + (f"; {len(refused)} of {4 * args.runs} plans refused, e.g. "
                                 f"{refused[0]}" if refused else "; every plan made"))
        with db.session() as session:
            bind_actor(session, system_actor("bench"))
            for code, name in regions:
                result = compare.compare(session, ComparisonIn(area_code=code))
                ref = result.reference
                i = ref.years.index(2030)
                print(f"{name} ({code}), reference, demand growth 2024→2030 (anchor):")
                for s in ref.sectors:
                    anchor = f" (plan ~{ANCHORS[s.key]} %)" if s.key in ANCHORS else ""
                    print(f"  {s.key:16} {s.index[i] - 100:5.1f} %{anchor}, "
                          f"2040 {s.index[-1] - 100:5.1f} %")
                print(f"  zorgkloof 2030 {ref.gap_fte_total[i]:,.0f} FTE, 2040 "
                      f"{ref.gap_fte_total[-1]:,.0f} FTE; mantelzorgpotentieel "
                      f"{ref.mantelzorg_potential[0]:.1f} → {ref.mantelzorg_potential[-1]:.1f}")
                for scenario in result.scenarios:
                    parts = ", ".join(f"{c.lever} {c.gap_fte_change:,.0f}"
                                      for c in scenario.contributions)
                    print(f"  {scenario.outlook.scenario}: Δ zorgkloof {result.year} "
                          f"{scenario.gap_fte_difference:,.0f} FTE = {parts}")
                for bed in ("multifunctional", "short_stay_high", "short_stay_low"):
                    try:
                        plan = beds.beds_per_year(session, BedsPerYearIn(area_code=code,
                                                                         bed_type=bed))
                    except DomainError as error:
                        print(f"  {bed}: {error}")
                        continue
                    shown = [y for y in plan.years if y.year in (2024, 2030, 2040)]
                    print(f"  {bed}: {plan.observed_requests:.1f} requests observed, "
                          f"{plan.years[0].arrivals_per_day:.2f}/day, stay "
                          f"{plan.mean_stay_days:.1f} d; beds 95/99 %: "
                          + ", ".join(f"{y.year} {y.beds_95}/{y.beds_99}" for y in shown))


if __name__ == "__main__":
    main()
