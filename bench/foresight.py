"""Benchmark of the population projection (issue 16, S2).

Run: ``PYTHONPATH=src:. .venv/bin/python -m bench.foresight [--runs 10]``.

1. All gemeenten of both demo regions to 2040 with 3 scenarios (migration factor 0.5, 1.0 and
   1.5) — target ≤ 2 s: builds a throw-away demo region on SQLite with its open data, then times
   (a) the whole use case per scenario (``population.project_area`` for each region: reading
   the stored figures, fitting, projecting) and (b) the projection part alone (fit + project of
   the already-read inputs of all the regions' gemeenten, 3 migration levers).
2. All Dutch gemeenten with an age structure to 2040, one scenario (report the time): the
   inputs parsed from the files in ../shared/data (parsing timed apart), then fit + project.

Every run counts. Beside each median the ratio to a fixed reference workload timed in the same
run (a numpy loop of known size), so figures taken under different load can be compared.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from bench.servers import machine
from bench.stats import summary
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.demo.builder import build_demo
from verkeerstoren.foresight import inputs, population
from verkeerstoren.opendata import catalogue, service
from verkeerstoren.opendata.names import build_index
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SCENARIOS = (0.5, 1.0, 1.5)


def _reference() -> None:
    """A fixed numpy workload: 200 cohort-sized array steps on 400 areas."""
    x = np.ones((400, 2, 91))
    for _ in range(200):
        x = np.maximum(x * 0.99 + 0.01, 0.0)


def _time(work: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Times of ``work`` and of the reference, interleaved run by run."""
    times, refs = [], []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        _reference()
        refs.append(time.perf_counter() - start)
    return times, refs


def _line(label: str, times: list[float], refs: list[float]) -> str:
    ratio = statistics.median(times) / statistics.median(refs)
    return (f"{label}: {summary(times)}, {ratio:.1f}× reference "
            f"({statistics.median(refs) * 1000:.1f} ms)")


def demo_regions(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        actor = system_actor("bench")
        with db.session() as session:
            bind_actor(session, actor)
            build_demo(session, DATA)
        with db.session() as session:
            bind_actor(session, actor)
            service.load_all(session, actor, DATA, keep=service.region_scope(session))
        with db.session() as session:
            regions = population.registered_regions(session)
            codes = sorted({c for _, members in regions.values() for c in members})

            def whole() -> None:
                for factor in SCENARIOS:
                    for code in regions:
                        population.project_area(session, code, 2040,
                                                population.PopulationLevers(factor))

            obs = population.observed(session, codes)

            def projection() -> None:
                for factor in SCENARIOS:
                    population.project_observed(obs, 2040, population.PopulationLevers(factor))

            print(_line(f"demo regions ({len(regions)} regions, {len(codes)} gemeenten), 3 "
                        "scenarios, whole use case from the database", *_time(whole, runs)))
            print(_line("  the projection part alone (fit + project, 3 migration levers)",
                        *_time(projection, runs)))
            for code, (name, _) in regions.items():
                p = population.project_area(session, code, 2040)
                print(f"  {name}: 2024 {p.total()[0]:,.0f} → 2040 {p.total()[-1]:,.0f}; 65+ "
                      f"{p.aged(65)[0]:,.0f} → {p.aged(65)[-1]:,.0f}; 80+ {p.aged(80)[0]:,.0f} "
                      f"→ {p.aged(80)[-1]:,.0f}")
        db.dispose()


def netherlands(runs: int) -> None:
    start = time.perf_counter()
    names: dict[str, str] = {}
    frames = []
    for kind, relative in catalogue.DEFAULT_FILES:
        if kind in ("cbs_kwb", "cbs_population_dynamics", "cbs_kerncijfers", "vektis_zvw"):
            parsed = catalogue.parse(kind, DATA / relative, names=names)
            if parsed.areas is not None:
                gemeenten = parsed.areas.filter(pl.col("level") == "GM")
                names.update(build_index(zip(gemeenten["code"], gemeenten["name"],
                                                     strict=True)))
            if parsed.values is not None and kind != "cbs_kwb":
                values = parsed.values
                if kind == "cbs_kerncijfers":
                    values = values.filter(pl.col("indicator").str.starts_with("pct_age"))
                frames.append(values)
    figures = pl.concat(frames)
    print(f"parsing the four files for the whole country: {time.perf_counter() - start:.1f} s")
    codes = sorted(c for c in figures.filter(pl.col("indicator") == inputs.BASE_INDICATOR)
                   ["area_code"].unique().to_list() if c.startswith("GM"))
    today = set(figures.filter((pl.col("indicator") == "population_31dec")
                               & (pl.col("year") == 2023))["area_code"].to_list())
    codes = [c for c in codes if c in today]

    def whole() -> None:
        obs = inputs.observe(figures, codes)
        inputs.run(obs, population.FIRST_YEAR, obs.years[-1], 2040)

    obs = inputs.observe(figures, codes)

    def projection() -> None:
        inputs.run(obs, population.FIRST_YEAR, obs.years[-1], 2040)

    print(_line(f"all Dutch gemeenten with an age structure ({len(codes)} of 342), 1 scenario, "
                "inputs from the parsed figures + fit + project", *_time(whole, runs)))
    print(_line("  the projection part alone (fit + project)", *_time(projection, runs)))


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    demo_regions(args.runs)
    netherlands(args.runs)


if __name__ == "__main__":
    main()
