"""Tussen wal en schip: unplaced requests counted by reason, bed type, gemeente and period,
turned into unmet demand, next to time-to-placement for the placed ones."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.placement.models import PlacementRequest, RequestStatus
from verkeerstoren.placement.schemas import AnalysisOut, CountOut, DemandOut


def _hours(request: PlacementRequest) -> float | None:
    if request.closed_at is None:
        return None
    return (request.closed_at - request.created_at).total_seconds() / 3600


def wrong_bed_end(admission_date: date | None, closed_at: datetime | None, today: date) -> date:
    """The first day that is no longer a wrong-bed day: the admission, else the day the request
    was closed (placed, unplaced or cancelled), else today while it is still open."""
    return admission_date or (closed_at.date() if closed_at else today)


def wrong_bed_days(request: PlacementRequest, today: date) -> int:
    """Days from 'medisch uitbehandeld' until admission (or today while still waiting)."""
    if request.medically_discharged_on is None:
        return 0
    end = wrong_bed_end(request.admission_date, request.closed_at, today)
    return max(0, (end - request.medically_discharged_on).days)


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def analyse(session: Session, period_from: date, period_to: date,
            *, today: date | None = None) -> AnalysisOut:
    """Counts for requests created in [period_from, period_to]."""
    start = datetime.combine(period_from, time.min, tzinfo=UTC)
    end = datetime.combine(period_to + timedelta(days=1), time.min, tzinfo=UTC)
    rows = list(session.scalars(select(PlacementRequest).where(
        PlacementRequest.created_at >= start, PlacementRequest.created_at < end)))
    placed = [r for r in rows if r.status is RequestStatus.PLACED]
    unplaced = [r for r in rows if r.status is RequestStatus.UNPLACED]
    hours = sorted(h for r in placed if (h := _hours(r)) is not None)
    by_reason = Counter(r.unplaced_reason.value for r in unplaced if r.unplaced_reason)
    by_type: Counter[str] = Counter()
    demand: Counter[tuple[str, str | None]] = Counter()
    for r in unplaced:
        for code in r.bed_types:
            by_type[code] += 1
            demand[(code, r.gemeente_code)] += 1
    by_gemeente = Counter(r.gemeente_code or "?" for r in unplaced)
    today = today or date.today()  # noqa: DTZ011 - a calendar date, not a moment

    def counts(counter: Counter[str]) -> list[CountOut]:
        # Most first, ties by key: most_common() keeps row order for ties, and the rows come
        # in no fixed order (an UPDATE moves them on PostgreSQL), so the page would shuffle.
        return [CountOut(key=k, count=v)
                for k, v in sorted(counter.items(), key=lambda item: (-item[1], item[0]))]

    return AnalysisOut(
        period_from=period_from, period_to=period_to, requests=len(rows), placed=len(placed),
        unplaced=len(unplaced),
        open=sum(1 for r in rows if r.status is RequestStatus.OPEN),
        reserved=sum(1 for r in rows if r.status is RequestStatus.RESERVED),
        cancelled=sum(1 for r in rows if r.status is RequestStatus.CANCELLED),
        by_reason=counts(by_reason), by_bed_type=counts(by_type),
        by_gemeente=counts(by_gemeente),
        unmet_demand=[DemandOut(bed_type_code=k[0], gemeente_code=k[1], unplaced=v)
                      for k, v in sorted(demand.items(), key=lambda i: (-i[1], i[0][0],
                                                                        i[0][1] or ""))],
        time_to_placement_median_hours=round(statistics.median(hours), 2) if hours else None,
        time_to_placement_p90_hours=round(_p90(hours), 2) if hours else None,
        placed_within_24h_share=(round(sum(1 for h in hours if h <= 24) / len(hours), 3)
                                 if hours else None),
        wrong_bed_days=sum(wrong_bed_days(r, today) for r in rows),
    )
