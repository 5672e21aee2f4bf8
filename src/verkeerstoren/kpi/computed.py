"""Indicators computed from operational data: no extra registration (Gooi plan, "Monitoring").

Each computation returns its value together with the ids of the rows it came from, so a
dashboard can show exactly which placement requests or availability reports make up a figure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren import region_time
from verkeerstoren.access.scoping import across_organisations
from verkeerstoren.capacity.models import AvailabilityReport
from verkeerstoren.kpi.periods import Period
from verkeerstoren.placement.analysis import wrong_bed_end
from verkeerstoren.placement.models import PlacementRequest, RequestStatus
from verkeerstoren.registry.models import BedType, CareUnit, Location, Organisation

PLACEMENT_TABLE = "placement_request"
REPORT_TABLE = "availability_report"
HOURS_24 = 24.0


@dataclass(frozen=True)
class Computed:
    """A computed value (None when there were no rows), its source rows and a breakdown."""

    value: float | None
    table: str
    ids: list[int]
    details: dict[str, float] = field(default_factory=dict)


def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, tzinfo=UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=UTC)
    return start, end


@dataclass(frozen=True)
class Request:
    """The columns of a closed placement request that the computations read."""

    id: int
    status: RequestStatus
    created_at: datetime
    closed_at: datetime
    medically_discharged_on: date | None
    admission_date: date | None
    unplaced_reason: str | None

    @property
    def hours(self) -> float:
        return (self.closed_at - self.created_at).total_seconds() / 3600

    @property
    def placed(self) -> bool:
        return self.status is RequestStatus.PLACED


@dataclass(frozen=True)
class Report:
    """The columns of an availability report that the computations read."""

    id: int
    organisation_id: int
    unit_id: int
    bed_type_code: str
    reported_at: datetime
    staffed: int
    occupied: int


class Rows:
    """The operational rows of one period, loaded once and shared by every computation.

    ``gemeenten`` confines them to an area: requests by the gemeente of the referrer's postcode
    (``PlacementRequest.gemeente_code``), reports by the gemeente of the unit's location.
    """

    def __init__(self, session: Session, period: Period,
                 gemeenten: frozenset[str] | None = None) -> None:
        self.session = session
        self.period = period
        self.gemeenten = gemeenten
        self.start, self.end = _bounds(period)
        self._requests: list[Request] | None = None
        self._reports: list[Report] | None = None
        self._discharged: list[tuple[int, date, date | None, datetime | None]] | None = None

    def _in_area(self, column: Any) -> list[Any]:
        return [] if self.gemeenten is None else [column.in_(sorted(self.gemeenten))]

    def _units_in_area(self, column: Any) -> list[Any]:
        if self.gemeenten is None:
            return []
        units = (select(CareUnit.id).join(Location, Location.id == CareUnit.location_id)
                 .where(Location.gemeente_code.in_(sorted(self.gemeenten))))
        return [column.in_(units)]

    @property
    def requests(self) -> list[Request]:
        """Requests closed (placed or unplaced) in the period."""
        if self._requests is None:
            p = PlacementRequest
            self._requests = [Request(i, st, created, closed, discharged, admitted, reason)
                              for i, st, created, closed, discharged, admitted, reason
                              in self.session.execute(
                select(p.id, p.status, p.created_at, p.closed_at, p.medically_discharged_on,
                       p.admission_date, p.unplaced_reason)
                .where(p.closed_at >= self.start, p.closed_at < self.end,
                       p.status.in_((RequestStatus.PLACED, RequestStatus.UNPLACED)),
                       *self._in_area(p.gemeente_code))
                .order_by(p.id)) if closed is not None]
        return self._requests

    @property
    def discharged(self) -> list[tuple[int, date, date | None, datetime | None]]:
        """Requests 'medisch uitbehandeld' on or before the period's last day and not closed
        before it began, whatever their status: (id, discharged on, admission, closed at)."""
        if self._discharged is None:
            p = PlacementRequest
            self._discharged = [
                (i, on, admitted, closed) for i, on, admitted, closed in self.session.execute(
                    select(p.id, p.medically_discharged_on, p.admission_date, p.closed_at)
                    .where(p.medically_discharged_on.is_not(None),
                           p.medically_discharged_on <= self.period.end,
                           (p.closed_at.is_(None)) | (p.closed_at >= self.start),
                           *self._in_area(p.gemeente_code))
                    .order_by(p.id)) if on is not None]
        return self._discharged

    @property
    def reports(self) -> list[Report]:
        """Reports of the period plus the week before (for the gap to the previous report)."""
        if self._reports is None:
            r = AvailabilityReport
            self._reports = [Report(*row) for row in self.session.execute(
                select(r.id, r.organisation_id, r.unit_id, r.bed_type_code, r.reported_at,
                       r.staffed, r.occupied)
                .where(r.reported_at >= self.start - timedelta(days=7), r.reported_at < self.end,
                       *self._units_in_area(r.unit_id))
                .order_by(r.unit_id, r.bed_type_code, r.reported_at))]
        return self._reports


def time_to_placement(rows: Rows, quantile: float) -> Computed:
    """A quantile (0.5 median, 0.9 p90) of the hours from request to placement."""
    placed = [r for r in rows.requests if r.placed]
    ids = [r.id for r in placed]
    if not placed:
        return Computed(None, PLACEMENT_TABLE, ids)
    hours = np.array([r.hours for r in placed])
    return Computed(round(float(np.quantile(hours, quantile)), 1), PLACEMENT_TABLE, ids)


def placed_within_24h(rows: Rows) -> Computed:
    """Share (%) of closed requests placed within 24 hours: the admission guarantee."""
    closed = rows.requests
    ids = [r.id for r in closed]
    if not closed:
        return Computed(None, PLACEMENT_TABLE, ids)
    fast = sum(1 for r in closed if r.placed and r.hours <= HOURS_24)
    return Computed(round(100 * fast / len(closed), 1), PLACEMENT_TABLE, ids,
                    {"closed": len(closed), "within_24h": fast})


def unplaced(rows: Rows) -> Computed:
    """Requests closed unplaced in the period, with the count per structured reason (no value
    for an area without any closed request: nothing happened there, which is not zero)."""
    if not rows.requests:
        return Computed(None, PLACEMENT_TABLE, [])
    found = [r for r in rows.requests if not r.placed]
    reasons = Counter(str(r.unplaced_reason or "other") for r in found)
    return Computed(float(len(found)), PLACEMENT_TABLE, [r.id for r in found],
                    {k: float(v) for k, v in sorted(reasons.items())})


def wrong_bed_days(rows: Rows) -> Computed:
    """Wrong-bed days that fall in the period: every day from 'medisch uitbehandeld' until the
    admission, the closing (unplaced or cancelled) or — while the request is open — today counts
    in the period it falls in, whether or not the request was placed in that period."""
    first = rows.period.start
    after = rows.period.end + timedelta(days=1)
    days: dict[int, int] = {}
    for request_id, discharged, admitted, closed_at in rows.discharged:
        end = min(wrong_bed_end(admitted, closed_at, region_time.today()), after)
        overlap = (end - max(discharged, first)).days
        if overlap > 0:
            days[request_id] = overlap
    if not days:
        return Computed(None, PLACEMENT_TABLE, [])
    return Computed(float(sum(days.values())), PLACEMENT_TABLE, sorted(days),
                    {"requests": float(len(days))})


def stale_rate(rows: Rows) -> Computed:
    """Share (%) of reports that came later than the bed type's maximum age after the previous.

    The breakdown gives the rate per provider (by organisation name); the source rows are the
    late reports.
    """
    session = rows.session
    max_age: dict[str, int] = {code: hours for code, hours in session.execute(
        select(BedType.code, BedType.max_report_age_hours))}
    names: dict[int, str] = {org: name for org, name in session.execute(
        select(Organisation.id, Organisation.name))}
    total: Counter[int] = Counter()
    late: Counter[int] = Counter()
    late_ids: list[int] = []
    previous: dict[tuple[int, str], datetime] = {}
    for report in rows.reports:
        key = (report.unit_id, report.bed_type_code)
        before = previous.get(key)
        previous[key] = report.reported_at
        if report.reported_at < rows.start:
            continue
        total[report.organisation_id] += 1
        limit = timedelta(hours=max_age.get(report.bed_type_code, 24))
        if before is not None and report.reported_at - before > limit:
            late[report.organisation_id] += 1
            late_ids.append(report.id)
    if not total:
        return Computed(None, REPORT_TABLE, [])
    per_provider = {str(names.get(org, org)): round(100 * late[org] / n, 1)
                    for org, n in sorted(total.items())}
    value = round(100 * sum(late.values()) / sum(total.values()), 1)
    return Computed(value, REPORT_TABLE, sorted(late_ids), per_provider)


def occupancy(rows: Rows) -> Computed:
    """Occupied ÷ staffed beds (%) over the period's reports, overall and per bed type."""
    reports = [r for r in rows.reports if r.reported_at >= rows.start]
    occupied: defaultdict[str, int] = defaultdict(int)
    staffed: defaultdict[str, int] = defaultdict(int)
    for report in reports:
        occupied[report.bed_type_code] += report.occupied
        staffed[report.bed_type_code] += report.staffed
    if not reports or not sum(staffed.values()):
        return Computed(None, REPORT_TABLE, [r.id for r in reports])
    per_type = {code: round(100 * occupied[code] / staffed[code], 1)
                for code in sorted(staffed) if staffed[code]}
    value = round(100 * sum(occupied.values()) / sum(staffed.values()), 1)
    return Computed(value, REPORT_TABLE, [r.id for r in reports], per_type)


COMPUTATIONS: dict[str, Callable[[Rows], Computed]] = {
    "ttp_median": lambda rows: time_to_placement(rows, 0.5),
    "ttp_p90": lambda rows: time_to_placement(rows, 0.9),
    "placed_24h": placed_within_24h,
    "unplaced": unplaced,
    "wrong_bed_days": wrong_bed_days,
    "stale_rate": stale_rate,
    "occupancy": occupancy,
}


def compute_all(session: Session, keys: list[str], period: Period,
                gemeenten: frozenset[str] | None = None) -> dict[str, Computed]:
    """Run named computations for a period over every organisation's rows (loaded once),
    confined to these gemeenten when given."""
    # An analyst's edit session sees only its own organisation; the region counts them all.
    with across_organisations(session):
        rows = Rows(session, period, gemeenten)
        return {key: COMPUTATIONS[key](rows) for key in keys}


def compute(session: Session, key: str, period: Period,
            gemeenten: frozenset[str] | None = None) -> Computed:
    """Run one named computation for a period."""
    return compute_all(session, [key], period, gemeenten)[key]
