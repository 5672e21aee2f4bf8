"""A region's beds over time: per day and bed type, the sum of every unit's last report.

The figure for a day is what the board would have shown at the end of that day (UTC), summed:
for every active unit × bed type registered in the region now, its latest report at or before
the end of the day (no report yet: nothing). Reports carry no holds, so "available" here is
staffed − occupied − blocked as reported.

The figures come from ``availability_day`` (capacity/models.py), a rollup the database keeps
with triggers (migration 0009_availability_day): per unit, bed type and UTC day on which it
reported, that day's last report. The end of a day is then one row per unit that reported on it
instead of every report: with endpoints pulled every few minutes (~288 reports a unit a day) the
old read of every report of the window took 2–5 s for 90 days of one bench region, this one
0.1 s (docs/performance-log.md). One row per unit before the window is where it starts from, each
day's change to its unit's figures is summed per bed type and day in one pass, and the days are
added up. Today is "as of now": a day row made of a report stamped after ``now`` is replaced
from today's reports (see :func:`_today_as_of_now`).

A first version did this with LAG window functions over the reports in SQL (2.0 s and 1.5 s for
90 days); the second replayed the reports in one pass from a covering index (0.10 s and 0.19 s
at 39,000 reports, growing with them).

The unit page's chart (one unit's reports over time) is drawn here too, like the region's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, String, case, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import AvailabilityDay, AvailabilityReport
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


def region_history(session: Session, region_id: int, days: int, *,
                   now: datetime) -> list[DayTotal]:
    """Per day of the last ``days`` days (today included) and bed type: the region's staffed,
    occupied and blocked beds at the end of the day (today: now). Ordered by day, bed type.
    A bed type's days start at the first day by which one of the region's units reported it."""
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    d = AvailabilityDay.__table__.alias("d")
    keys = (
        select(UnitBedType.unit_id, UnitBedType.bed_type_code)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(Location, Location.id == CareUnit.location_id)
        .join(Gemeente, Gemeente.code == Location.gemeente_code)
        .where(Gemeente.region_id == region_id, CareUnit.active.is_(True))
        .cte("k")
    )
    on_key = (d.c.unit_id == keys.c.unit_id) & (d.c.bed_type_code == keys.c.bed_type_code)
    connection = session.connection()
    # Each unit's last day before the window (its last report then): the figures it starts from.
    last_day = (
        select(func.max(d.c.day))
        .where(on_key, d.c.day < first)
        .scalar_subquery()
    )
    b = AvailabilityDay.__table__.alias("b")
    seeds: dict[tuple[int, str], tuple[int, int, int]] = {
        (u, c): (st, oc, bl) for u, c, st, oc, bl in connection.execute(
            select(b.c.unit_id, b.c.bed_type_code, b.c.staffed, b.c.occupied, b.c.blocked)
            .select_from(keys.join(b, (b.c.unit_id == keys.c.unit_id)
                                   & (b.c.bed_type_code == keys.c.bed_type_code)
                                   & (b.c.day == last_day))))}
    today_as_of_now = _today_as_of_now(connection, keys, on_key, d, today, now)
    # The window's days per unit in day order, from the primary key (unit, bed type, day).
    window = (
        select(d.c.unit_id, d.c.bed_type_code, d.c.day, d.c.staffed, d.c.occupied, d.c.blocked)
        .select_from(keys.join(d, on_key))
        .where(d.c.day >= first, d.c.day <= today)
        .order_by(d.c.unit_id, d.c.bed_type_code, d.c.day)
    )
    totals: dict[str, list[int]] = {}
    for (_, code), figures in seeds.items():
        acc = totals.setdefault(code, [0, 0, 0])
        for i in range(3):
            acc[i] += figures[i]
    # What each day changed: its last figures minus the unit's previous ones, summed per day.
    changes: dict[tuple[str, date], list[int]] = {}
    previous: tuple[int, str] | None = None
    ps = po = pb = 0
    for unit_id, code, day, staffed, occupied, blocked in connection.execute(window):
        if (unit_id, code) != previous:
            previous = (unit_id, code)
            ps, po, pb = seeds.get(previous, (0, 0, 0))
        if day == today and previous in today_as_of_now:
            replaced = today_as_of_now[previous]
            if replaced is None:  # every report of today came after now: not there yet
                continue
            staffed, occupied, blocked = replaced
        totals.setdefault(code, [0, 0, 0])
        change = changes.get((code, day))
        if change is None:
            change = changes[(code, day)] = [0, 0, 0]
        change[0] += staffed - ps
        change[1] += occupied - po
        change[2] += blocked - pb
        ps, po, pb = staffed, occupied, blocked
    bed_types = {code: (name, order) for code, name, order in session.execute(
        select(BedType.code, BedType.name, BedType.sort_order))}
    codes = sorted(totals, key=lambda c: (bed_types.get(c, (c, 0))[1], c))
    # A bed type has figures from the first day one of its units had reported by; before
    # that the region knew nothing, which is not the same as zero beds (the chart drew it as 0).
    known = {code for _, code in seeds}
    out: list[DayTotal] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        for code in codes:
            running = totals[code]
            found = changes.get((code, day))
            if found is not None:
                running[0] += found[0]
                running[1] += found[1]
                running[2] += found[2]
                known.add(code)
            if code in known:
                out.append(DayTotal(day, code, bed_types.get(code, (code, 0))[0], *running))
    return out


def _today_as_of_now(connection: Connection, keys: Any, on_key: Any, d: Any, today: date,
                     now: datetime) -> dict[tuple[int, str], tuple[int, int, int] | None]:
    """Today's figures of the units whose day row holds a report made after ``now``.

    A day row answers "end of the day"; today the chart wants "now". Only a report stamped
    later than ``now`` (a back-dated ``now``, a clock ahead) makes the two differ, so only those
    units read today's reports up to ``now`` (None: none yet), one index seek each.
    """
    late = list(connection.execute(
        select(d.c.unit_id, d.c.bed_type_code).select_from(keys.join(d, on_key))
        .where(d.c.day == today, d.c.reported_at > now)))
    if not late:
        return {}
    r = AvailabilityReport.__table__.alias("r")
    midnight = datetime.combine(today, time(), tzinfo=UTC)
    at, low, high = _comparable(r.c.reported_at, midnight, now, connection.dialect.name)
    out: dict[tuple[int, str], tuple[int, int, int] | None] = {}
    for unit_id, code in late:
        row = connection.execute(
            select(r.c.staffed, r.c.occupied, r.c.blocked)
            .where(r.c.unit_id == unit_id, r.c.bed_type_code == code,
                   # The index's range, a second wider; the exact bounds follow.
                   r.c.reported_at >= midnight - timedelta(seconds=1),
                   r.c.reported_at <= now + timedelta(seconds=1), at >= low, at <= high)
            .order_by(at.desc(), r.c.id.desc()).limit(1)).first()
        out[(unit_id, code)] = None if row is None else (row[0], row[1], row[2])
    return out


def _comparable(column: Any, low: datetime, high: datetime, dialect: str) -> tuple[Any, Any, Any]:
    """The column and two bounds in a form that compares in time order.

    SQLite stores reports' times as text in two forms (see migration 0009_availability_day):
    both are brought to 'YYYY-MM-DD HH:MM:SS.ffffff', the form the rollup stores."""
    if dialect != "sqlite":
        return column, low, high
    text = type_coerce(column, String())
    at = case((func.substr(text, 20, 1) == ".", func.substr(text, 1, 26)),
              else_=func.substr(text, 1, 19) + ".000000")
    def stored(moment: datetime) -> Any:
        return literal(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), String())

    return at, stored(low), stored(high)


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
            # Daily figures: ticks on days only (Vega-Lite chose hours for a short span).
            "x": {"field": "dag", "type": "temporal", "timeUnit": "yearmonthdate",
                  "title": translate("Day"), "axis": {"tickCount": "day"}},
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


HEADER = ("Dag", "Bedtype-code", "Bedtype", "Bemand", "Bezet", "Geblokkeerd", "Beschikbaar")


def table_rows(totals: list[DayTotal]) -> list[list[object]]:
    """The export's rows (CSV and Excel), in the order of :data:`HEADER`; the day stays a date
    so that Excel gets a real date cell (capacity/exports.py)."""
    return [[t.day, t.bed_type_code, t.bed_type, t.staffed, t.occupied,
             t.blocked, t.available] for t in totals]
