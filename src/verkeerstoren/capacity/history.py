"""A region's beds over time: per day and bed type, the sum of every unit's last report.

The figure for a day is what the board would have shown at the end of that day (UTC), summed:
for every active unit × bed type registered in the region now, its latest report at or before
the end of the day (no report yet: nothing). Reports carry no holds, so "available" here is
staffed − occupied − blocked as reported.

Only the window's reports and one report per unit before it are read, from one index
(``ix_availability_report_unit_type_time`` covers the figures too), in unit and time order: each
report's change to its unit's figures is summed per bed type and day in one pass, and the days
are added up. A first version did this with LAG window functions in SQL: 90 days of one bench
region (39,000 reports) took 2.0 s on SQLite and 1.5 s on PostgreSQL (its sorts spilled to
disk); this one 0.10 s and 0.19 s, on a machine under the same heavy load (docs/performance.md).

The unit page's chart (one unit's reports over time) is drawn here too, like the region's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import AvailabilityReport
from verkeerstoren.registry.models import BedType, CareUnit, Gemeente, Location, UnitBedType

PERIODS = (30, 90)  # the days a coordinator can choose between


@dataclass(frozen=True)
class DayTotal:
    """The region's beds of one type at the end of one day."""

    day: date
    bed_type_code: str
    bed_type: str
    staffed: int
    occupied: int
    blocked: int

    @property
    def available(self) -> int:
        return self.staffed - self.occupied - self.blocked


def _day(column: Any, dialect: str) -> Any:
    """The UTC calendar day of a timestamp column, as 'YYYY-MM-DD' text."""
    if dialect == "sqlite":
        # SQLAlchemy stores UTC as ISO text on SQLite: the day is its first ten characters.
        return func.substr(type_coerce(column, String()), 1, 10)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def region_history(session: Session, region_id: int, days: int, *,
                   now: datetime) -> list[DayTotal]:
    """Per day of the last ``days`` days (today included) and bed type: the region's staffed,
    occupied and blocked beds at the end of the day (today: now). Ordered by day, bed type."""
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), tzinfo=UTC)
    r = AvailabilityReport.__table__.alias("r")
    keys = (
        select(UnitBedType.unit_id, UnitBedType.bed_type_code)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(Location, Location.id == CareUnit.location_id)
        .join(Gemeente, Gemeente.code == Location.gemeente_code)
        .where(Gemeente.region_id == region_id, CareUnit.active.is_(True))
        .cte("k")
    )
    connection = session.connection()
    # Each unit's last report before the window: the figures the window starts from.
    before = (
        select(r.c.id)
        .where(r.c.unit_id == keys.c.unit_id, r.c.bed_type_code == keys.c.bed_type_code,
               r.c.reported_at < start)
        .order_by(r.c.reported_at.desc(), r.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    b = AvailabilityReport.__table__.alias("b")
    seeds: dict[tuple[int, str], tuple[int, int, int]] = {
        (u, c): (st, oc, bl) for u, c, st, oc, bl in connection.execute(
            select(b.c.unit_id, b.c.bed_type_code, b.c.staffed, b.c.occupied, b.c.blocked)
            .select_from(keys.join(b, b.c.id == before)))}
    # The window's reports per unit in time order, the day already cut off in SQL; the
    # index on (unit, bed type, time, staffed, occupied, blocked) answers it alone.
    window = (
        select(r.c.unit_id, r.c.bed_type_code, _day(r.c.reported_at, connection.dialect.name),
               r.c.staffed, r.c.occupied, r.c.blocked)
        .select_from(keys.join(r, (r.c.unit_id == keys.c.unit_id)
                               & (r.c.bed_type_code == keys.c.bed_type_code)))
        .where(r.c.reported_at >= start, r.c.reported_at <= now)
        .order_by(r.c.unit_id, r.c.bed_type_code, r.c.reported_at, r.c.id)
    )
    totals: dict[str, list[int]] = {}
    for (_, code), figures in seeds.items():
        acc = totals.setdefault(code, [0, 0, 0])
        for i in range(3):
            acc[i] += figures[i]
    # What each report changed: its figures minus the unit's previous ones, summed per day.
    changes: dict[tuple[str, str], list[int]] = {}
    previous: tuple[int, str] | None = None
    ps = po = pb = 0
    for unit_id, code, day, staffed, occupied, blocked in connection.execute(window):
        if (unit_id, code) != previous:
            previous = (unit_id, code)
            ps, po, pb = seeds.get(previous, (0, 0, 0))
        change = changes.get((code, day))
        if change is None:
            change = changes[(code, day)] = [0, 0, 0]
        change[0] += staffed - ps
        change[1] += occupied - po
        change[2] += blocked - pb
        ps, po, pb = staffed, occupied, blocked
        totals.setdefault(code, [0, 0, 0])
    bed_types = {code: (name, order) for code, name, order in session.execute(
        select(BedType.code, BedType.name, BedType.sort_order))}
    codes = sorted(totals, key=lambda c: (bed_types.get(c, (c, 0))[1], c))
    out: list[DayTotal] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        text = day.isoformat()
        for code in codes:
            running = totals[code]
            found = changes.get((code, text))
            if found is not None:
                running[0] += found[0]
                running[1] += found[1]
                running[2] += found[2]
            out.append(DayTotal(day, code, bed_types.get(code, (code, 0))[0], *running))
    return out


def chart_spec(totals: list[DayTotal], translate: Any) -> dict[str, Any]:
    """A Vega-Lite line chart: available beds per bed type and day.

    The colour is the bed type's (Dutch) name, which the legend shows; the code rides along."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container", "height": 300,
        "data": {"values": [{"dag": t.day.isoformat(), "bedtype_code": t.bed_type_code,
                             "bedtype": t.bed_type, "beschikbaar": t.available,
                             "bemand": t.staffed}
                            for t in totals]},
        "mark": {"type": "line", "point": False, "interpolate": "step-after"},
        "encoding": {
            "x": {"field": "dag", "type": "temporal", "title": translate("Day")},
            "y": {"field": "beschikbaar", "type": "quantitative",
                  "title": translate("Available beds (end of day)"),
                  "axis": {"tickMinStep": 1}},  # whole beds: no "0,5" ticks
            "color": {"field": "bedtype", "type": "nominal", "title": translate("Bed type")},
            "tooltip": [{"field": "dag", "type": "temporal"}, {"field": "bedtype"},
                        {"field": "beschikbaar"}, {"field": "bemand"}],
        },
    }


def bed_type_names(session: Session) -> dict[str, str]:
    """Every bed type's (Dutch) name by its code."""
    return {code: name for code, name in session.execute(select(BedType.code, BedType.name))}


def unit_chart_spec(reports: Sequence[AvailabilityReport], names: Mapping[str, str],
                    translate: Any) -> dict[str, Any]:
    """A Vega-Lite line chart of one unit: free beds per bed type at each report.

    Coloured by the bed type's name (the legend is read by people); a code without a bed type
    row falls back to the code itself."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container", "height": 260,
        "data": {"values": [
            {"tijd": r.reported_at.isoformat(), "bedtype_code": r.bed_type_code,
             "bedtype": names.get(r.bed_type_code, r.bed_type_code),
             "vrij": r.staffed - r.occupied - r.blocked, "bezet": r.occupied}
            for r in reports
        ]},
        "mark": {"type": "line", "point": True, "interpolate": "step-after"},
        "encoding": {
            "x": {"field": "tijd", "type": "temporal", "title": translate("Reported at")},
            "y": {"field": "vrij", "type": "quantitative", "title": translate("Free beds"),
                  "axis": {"tickMinStep": 1}},  # whole beds: no "0,5" ticks
            "color": {"field": "bedtype", "type": "nominal", "title": translate("Bed type")},
        },
    }


HEADER = ("dag", "bedtype_code", "bedtype", "bemand", "bezet", "geblokkeerd", "beschikbaar")


def table_rows(totals: list[DayTotal]) -> list[list[object]]:
    """The export's rows (CSV and Excel), in the order of :data:`HEADER`."""
    return [[t.day.isoformat(), t.bed_type_code, t.bed_type, t.staffed, t.occupied,
             t.blocked, t.available] for t in totals]
