"""What the tower has observed for a bed type in an area, as the inputs of the bed planning.

- **Arrivals** are the placement requests that asked for the bed type (created in the window,
  for a patient whose gemeente lies in the area). A request that lists two bed types counts
  half for each, so the arrivals of all bed types add up to the requests. Refused and unplaced
  requests count too: a loss model needs the demand offered, not only what was admitted.
- **Occupied beds** are the reported occupancy of the area's units of that bed type, one figure
  per day (a unit's last report of the day, carried forward to later days without a report;
  ``availability_day``), averaged over the window.
- **Mean stay** follows from Little's law, occupied beds = arrivals × stay. This holds only when
  the tower sees every admission to those beds; where providers also admit patients the tower
  never saw, the stay comes out too long, so the page lets the user overwrite it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import AvailabilityDay
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.registry.models import CareUnit, Gemeente, Location

WEEKDAYS = 7
# Below this many arrivals a weekday pattern is noise: seven counts of two or three each.
MIN_ARRIVALS_FOR_PATTERN = 28


@dataclass(frozen=True)
class Area:
    """A region, one gemeente, or (neither) every gemeente the tower knows."""

    region_id: int | None = None
    gemeente_code: str | None = None


@dataclass(frozen=True)
class Observed:
    """The observed inputs; ``None`` where the window holds nothing to estimate from."""

    start: date
    end: date  # inclusive
    requests: float  # arrivals in the window (fractional: see the module docstring)
    arrivals_per_day: float
    weekday_pattern: tuple[float, ...] | None  # Monday first, mean 1
    mean_occupied: float | None
    mean_stay_days: float | None  # Little's law
    units: int  # units of the bed type in the area that reported in or before the window


def gemeenten_of(session: Session, area: Area) -> list[str] | None:
    """The area's gemeente codes (None: every gemeente)."""
    if area.gemeente_code is not None:
        return [area.gemeente_code]
    if area.region_id is not None:
        return list(session.scalars(
            select(Gemeente.code).where(Gemeente.region_id == area.region_id)))
    return None


def _arrivals(session: Session, bed_type: str, gemeenten: list[str] | None, start: date,
              end: date) -> list[tuple[date, float]]:
    since = datetime.combine(start, time(), REGION_TZ)
    until = datetime.combine(end + timedelta(days=1), time(), REGION_TZ)
    query = select(PlacementRequest.created_at, PlacementRequest.bed_types).where(
        PlacementRequest.created_at >= since, PlacementRequest.created_at < until)
    if gemeenten is not None:
        query = query.where(PlacementRequest.gemeente_code.in_(gemeenten))
    # bed_types is a JSON list; filtering it in SQL differs per database and the window holds
    # at most a few thousand requests, so the list is read here.
    return [
        (created.astimezone(REGION_TZ).date(), 1 / len(types))
        for created, types in session.execute(query)
        if bed_type in types
    ]


def _mean_occupied(session: Session, bed_type: str, gemeenten: list[str] | None, start: date,
                   end: date) -> tuple[float | None, int]:
    units = select(CareUnit.id).join(Location, CareUnit.location_id == Location.id)
    if gemeenten is not None:
        units = units.where(Location.gemeente_code.in_(gemeenten))
    rows = session.execute(
        select(AvailabilityDay.unit_id, AvailabilityDay.day, AvailabilityDay.occupied)
        .where(AvailabilityDay.bed_type_code == bed_type, AvailabilityDay.day <= end,
               AvailabilityDay.unit_id.in_(units))
        .order_by(AvailabilityDay.day))
    per_unit: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for unit_id, day, occupied in rows:
        per_unit[unit_id].append((day, occupied))
    if not per_unit:
        return None, 0
    days = (end - start).days + 1
    totals = [0.0] * days
    known = [False] * days
    for series in per_unit.values():
        # Walk the unit's days once, carrying its last figure forward to days without a report.
        index, current = 0, None
        for offset in range(days):
            day = start + timedelta(days=offset)
            while index < len(series) and series[index][0] <= day:
                current = series[index][1]
                index += 1
            if current is not None:
                totals[offset] += current
                known[offset] = True
    counted = [total for total, seen in zip(totals, known, strict=True) if seen]
    return (sum(counted) / len(counted) if counted else None), len(per_unit)


def observe(session: Session, bed_type: str, area: Area, *, end: date,
            days: int = 90) -> Observed:
    """Arrivals, weekday pattern, occupancy and Little's-law stay over ``days`` days to ``end``."""
    start = end - timedelta(days=days - 1)
    gemeenten = gemeenten_of(session, area)
    arrivals = _arrivals(session, bed_type, gemeenten, start, end)
    requests = sum(weight for _, weight in arrivals)
    per_day = requests / days
    pattern: tuple[float, ...] | None = None
    if requests >= MIN_ARRIVALS_FOR_PATTERN:
        weekdays = [0.0] * WEEKDAYS
        for day, weight in arrivals:
            weekdays[day.weekday()] += weight
        # Each weekday occurs days/7 times (± 1); divide by its own count of occurrences.
        occurrences = [sum(1 for o in range(days) if (start + timedelta(days=o)).weekday() == d)
                       for d in range(WEEKDAYS)]
        rates = [w / n for w, n in zip(weekdays, occurrences, strict=True)]
        mean = sum(rates) / WEEKDAYS
        pattern = tuple(r / mean for r in rates)
    occupied, units = _mean_occupied(session, bed_type, gemeenten, start, end)
    stay = occupied / per_day if occupied is not None and per_day > 0 else None
    return Observed(start=start, end=end, requests=requests, arrivals_per_day=per_day,
                    weekday_pattern=pattern, mean_occupied=occupied, mean_stay_days=stay,
                    units=units)
