"""Region history chart (issue 4 item 5): region_history() for 30 and 90 days, then again at a
high report rate.

Run: ``.venv/bin/python -m bench.history [--database sqlite|postgresql]``. Builds a fresh
national database (bench.registry.build: 2,000 locations, 20,000 units, 1,000,000 reports over
90 days), times region_history() for region 1 (7 calls, the first dropped), then adds a report
every 15 minutes over the last 10 days for each of region 1's unit × bed types with one direct
bulk insert (COPY on PostgreSQL, executemany on SQLite: bench/registry.py's ways, which the
availability_day triggers see like any other insert) and times it again. Prints the load average
with every figure; drops the database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from bench.registry import _copy_reports, build
from bench.servers import fresh_database
from verkeerstoren.capacity.history import region_history
from verkeerstoren.capacity.models import AvailabilityDay, AvailabilityReport, ReportSource
from verkeerstoren.registry.models import CareUnit, Gemeente, Location, UnitBedType
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.base import utcnow


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _measure(db: Database, label: str) -> None:
    with db.session() as session:
        reports = session.scalar(select(func.count()).select_from(AvailabilityReport))
        days = session.scalar(select(func.count()).select_from(AvailabilityDay))
    print(f"{label}: {reports} reports, {days} day rows")
    now = utcnow()
    for period in (30, 90):
        samples = []
        for _ in range(7):
            started = time.perf_counter()
            with db.session() as session:
                region_history(session, 1, period, now=now)
            samples.append((time.perf_counter() - started) * 1000)
        print(f"  {period} days: median {statistics.median(samples[1:]):.1f} ms, "
              f"max {max(samples[1:]):.1f} ms ({_load()})", flush=True)


def _high_rate(db: Database) -> None:
    with db.session() as session:
        keys = session.execute(
            select(UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds,
                   CareUnit.organisation_id)
            .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
            .join(Location, Location.id == CareUnit.location_id)
            .join(Gemeente, Gemeente.code == Location.gemeente_code)
            .where(Gemeente.region_id == 1)).all()
    now = utcnow()
    source = ReportSource.API if db.is_sqlite else ReportSource.API.value
    rows: list[dict[str, Any]] = [
        {"organisation_id": org, "unit_id": unit_id, "bed_type_code": code,
         "reported_at": now - timedelta(minutes=15 * step), "physical": beds, "staffed": beds,
         "occupied": (step * 7 + i) % (beds + 1), "blocked": 0, "source": source,
         "reported_by": "bench-history"}
        for step in range(1, 10 * 96 + 1)
        for i, (unit_id, code, beds, org) in enumerate(keys)]
    started = time.perf_counter()
    if db.is_sqlite:
        with db.engine.begin() as conn:
            for start in range(0, len(rows), 20_000):
                conn.execute(insert(AvailabilityReport), rows[start:start + 20_000])
    else:
        _copy_reports(db, rows)
    print(f"inserted {len(rows)} reports for {len(keys)} unit × bed types in "
          f"{time.perf_counter() - started:.1f} s ({_load()})")
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with fresh_database(args.database) as url:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        registry = build(db, locations=2000, units=20_000, reports=1_000_000)
        print(f"built in {registry.seconds:.1f} s ({_load()})")
        _measure(db, "national bench database")
        _high_rate(db)
        _measure(db, "plus a report every 15 minutes for 10 days in region 1")
        db.dispose()


if __name__ == "__main__":
    main()
