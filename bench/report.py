"""Benchmark of the progress report and the strategic dashboard at 30 indicators, 10 projects.

Run: ``.venv/bin/python -m bench.report``. Builds a throw-away SQLite demo region with the
monitoring demo (26 seeded indicators, 10 projects), adds indicators with eight quarters of
measurements until there are 30, then times the report (HTML + PDF) and the dashboard page
(server time through the ASGI app). Prints median and p95.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

# A benchmark drives the app like a browser; it is not domain code.
from starlette.testclient import TestClient  # noqa: TID251

from bench.pages import authenticated_get, login
from bench.stats import summary
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.app import create_app
from verkeerstoren.demo.builder import build_demo
from verkeerstoren.kpi.demo import seed_kpi_demo
from verkeerstoren.kpi.models import (
    AreaKind,
    Direction,
    Frequency,
    Goal,
    Indicator,
    IndicatorKind,
    IndicatorTarget,
    Measurement,
    MeasurementSource,
    Nature,
    Project,
    Unit,
)
from verkeerstoren.kpi.periods import parse_period, quarters_back
from verkeerstoren.reports.command import write_report
from verkeerstoren.runtime import install_hooks
from verkeerstoren.settings import DEV_SECRET_KEY, Environment, Settings
from verkeerstoren.storage import Database, migrate

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TODAY = date(2026, 11, 23)
INDICATORS, PROJECTS = 30, 10
# The PDF takes seconds: 20 runs (the least for a p95, bench/stats.py) keep the run short.
REPORT_RUNS = 20


def _fill(db: Database) -> None:
    with db.session() as session:
        bind_actor(session, system_actor("bench"))
        build_demo(session, DATA if DATA.is_dir() else None)
        seed_kpi_demo(session, today=TODAY)
        goal = session.scalars(select(Goal).where(Goal.parent_id.is_not(None))).first()
        assert goal is not None
        have = session.scalar(select(func.count()).select_from(Indicator)) or 0
        for n in range(have, INDICATORS):
            ind = Indicator(code=f"X{n}", goal_id=goal.id, name=f"Extra indicator {n}",
                            kind=IndicatorKind.RESULT, nature=Nature.QUANTITATIVE,
                            unit=Unit.PERCENT, direction=Direction.UP,
                            frequency=Frequency.QUARTER,
                            targets=[IndicatorTarget(year=2026, value=80.0)])
            session.add(ind)
            session.flush()
            for i, q in enumerate(quarters_back(parse_period("2026Q3"), 8)):
                session.add(Measurement(indicator_id=ind.id, period=q.label,
                                        period_start=q.start, period_end=q.end,
                                        area_kind=AreaKind.REGION, area_code="",
                                        value=70.0 + i * 1.5, source=MeasurementSource.MANUAL,
                                        recorded_by="bench", is_demo=True))
        projects = session.scalar(select(func.count()).select_from(Project))
        print(f"indicators: {INDICATORS}, projects: {projects}")


def _stats(name: str, times: list[float]) -> None:
    print(f"{name}: {summary(times)}")


def main() -> None:
    """Run both benchmarks and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        _fill(db)
        report: list[float] = []
        for _ in range(REPORT_RUNS):
            start = time.perf_counter()
            write_report(db, "2026Q3", Path(tmp) / "out")
            report.append(time.perf_counter() - start)
        _stats("report 2026Q3 (HTML + PDF)", report)
        settings = Settings(environment=Environment.TEST, database_url=url,
                            secret_key=DEV_SECRET_KEY)
        with TestClient(create_app(settings, db)) as client:
            login(client, "viewer@demo.verkeerstoren.nl")
            authenticated_get(client, "/kpi?quarter=2026Q3")  # warm-up
            dashboard: list[float] = []
            for _ in range(30):
                start = time.perf_counter()
                authenticated_get(client, "/kpi?quarter=2026Q3")
                dashboard.append(time.perf_counter() - start)
        _stats("strategic dashboard /kpi", dashboard)
        db.dispose()


if __name__ == "__main__":
    main()
