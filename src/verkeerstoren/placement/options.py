"""A request's options and exclusions: the database filters, counts and pre-ranks
(placement/constraints.py); `matching` scores, orders and explains the rows a page shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.freshness import age_hours, is_stale
from verkeerstoren.placement.constraints import (
    CANDIDATE_COLUMNS,
    CandidateRow,
    considered,
    excluded_rows,
    max_report_ages,
    rules,
    survey,
)
from verkeerstoren.placement.matching import (
    Candidate,
    Exclusion,
    Need,
    Option,
    Rule,
    exclude,
    rank,
)
from verkeerstoren.placement.models import PlacementRequest, Reservation, ReservationStatus
from verkeerstoren.registry.models import Location, UnitBedType, unit_feature
from verkeerstoren.storage.base import utcnow

ACCEPTANCE_WINDOW = timedelta(days=90)
# Options explained per page: what a coordinator reads; "show more" asks for the next page.
PAGE = 50
# How far (in postcode numbers) a registered location may lie from the patient's postcode area
# to stand in for its position; Dutch PC4 numbers are geographically clustered.
NEAREST_PC4_SPAN = 25


def area_point(session: Session, postcode_area: int) -> tuple[float, float, str] | None:
    """Approximate position (lat, lon, gemeente) of a 4-digit postcode area.

    We hold no national postcode table, so the position is the mean of the registered locations
    whose postcodes are numerically closest (at most NEAREST_PC4_SPAN apart).
    """
    # Only postcodes within the span can count; comparing the zero-padded 4-digit prefix as
    # text lets the database skip the rest of the country instead of sending every location.
    low = f"{max(0, postcode_area - NEAREST_PC4_SPAN):04d}"
    above = postcode_area + NEAREST_PC4_SPAN + 1
    high = f"{above:04d}" if above <= 9999 else ":"  # ':' sorts right after '9'
    rows = session.execute(
        select(Location.postcode, Location.latitude, Location.longitude, Location.gemeente_code)
        .where(Location.latitude.is_not(None), Location.longitude.is_not(None),
               Location.postcode >= low, Location.postcode < high)
    ).all()
    scored = []
    for postcode, lat, lon, gemeente in rows:
        digits = postcode[:4]
        if digits.isdigit() and lat is not None and lon is not None:
            scored.append((abs(int(digits) - postcode_area), float(lat), float(lon), gemeente))
    scored.sort(key=lambda s: (s[0], s[3], s[1], s[2]))
    near = [s for s in scored[:3] if s[0] <= NEAREST_PC4_SPAN]
    if not near:
        return None
    lat = sum(s[1] for s in near) / len(near)
    lon = sum(s[2] for s in near) / len(near)
    return lat, lon, near[0][3]


def acceptance_rates(session: Session, now: datetime) -> dict[int, float]:
    """Share of decided reservations each organisation accepted in the last 90 days."""
    accepted = func.sum(case((Reservation.status == ReservationStatus.ACCEPTED, 1), else_=0))
    decided = func.count()
    rows = session.execute(
        select(Reservation.organisation_id, accepted, decided)
        .where(Reservation.status.in_([ReservationStatus.ACCEPTED, ReservationStatus.DECLINED]),
               Reservation.created_at >= now - ACCEPTANCE_WINDOW)
        .group_by(Reservation.organisation_id)
    ).all()
    return {org: (acc or 0) / total for org, acc, total in rows if total}


def _features(session: Session, units: Any) -> dict[int, frozenset[str]]:
    features: dict[int, set[str]] = defaultdict(set)
    for unit_id, code in session.execute(
        select(unit_feature.c.unit_id, unit_feature.c.feature_code)
        .where(unit_feature.c.unit_id.in_(units))
    ):
        features[unit_id].add(code)
    return {unit_id: frozenset(codes) for unit_id, codes in features.items()}


def _candidates(session: Session, rows: Sequence[CandidateRow], rates: dict[int, float],
                now: datetime, features: dict[int, frozenset[str]] | None = None,
                ) -> list[Candidate]:
    """Candidates from rows of constraints.CANDIDATE_COLUMNS."""
    if features is None:
        features = _features(session, sorted({row.unit_id for row in rows}))
    none: frozenset[str] = frozenset()
    return [
        Candidate(
            unit_id=r.unit_id, unit=r.unit, organisation=r.organisation,
            bed_type_code=r.bed_type_code,
            available=(r.staffed or 0) - (r.occupied or 0) - (r.blocked or 0) - (r.held or 0),
            stale=is_stale(r.reported_at, r.max_report_age_hours, now),
            age_hours=age_hours(r.reported_at, now), features=features.get(r.unit_id, none),
            gemeente_code=r.gemeente_code, expected_free_date=r.expected_free_date,
            latitude=r.latitude, longitude=r.longitude, accept_rate=rates.get(r.organisation_id),
        )
        for r in rows
    ]


def candidates(session: Session, bed_types: Sequence[str], rates: dict[int, float],
               now: datetime) -> list[Candidate]:
    """Every active unit offering one of these bed types, with its live state, as candidates.

    The reference: `matching.match` over these is what options_for() must equal
    (tests/placement/test_constraints.py); the pages use options_for(), which lets the
    database filter and count instead of building ~3,600 candidates per request.
    """
    rows = [CandidateRow._make(row)
            for row in session.execute(considered(list(bed_types), *CANDIDATE_COLUMNS))]
    features = _features(session, select(UnitBedType.unit_id)
                         .where(UnitBedType.bed_type_code.in_(bed_types)))
    return _candidates(session, rows, rates, now, features)


def need_for(session: Session, request: PlacementRequest, now: datetime) -> Need:
    # A purged request has no postcode left (it is closed: nobody asks for its options).
    point = (area_point(session, request.postcode_area)
             if request.postcode_area is not None else None)
    return Need(
        bed_types=tuple(request.bed_types),
        features=frozenset(request.features),
        wanted_start=request.wanted_start,
        financing=request.financing.value,
        today=now.date(),
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        preferred_gemeenten=frozenset(request.preferred_gemeenten),
    )


@dataclass(frozen=True)
class Ranking:
    """One page of a request's options, explained, and its exclusions counted per rule."""

    options: tuple[Option, ...]
    offset: int
    total: int  # every candidate that breaks no hard constraint
    considered: int  # every active unit × requested bed type
    excluded: int
    excluded_by_rule: dict[Rule, int]


@dataclass(frozen=True)
class Excluded:
    """One page of the excluded units (of one rule, or all), nearest first, each with why."""

    exclusions: tuple[Exclusion, ...]
    offset: int
    total: int
    rule: Rule | None
    excluded: int  # every excluded unit, whatever the rule
    excluded_by_rule: dict[Rule, int]


def options_for(session: Session, request: PlacementRequest, *, now: datetime | None = None,
                offset: int = 0, limit: int = PAGE) -> Ranking:
    """Options [offset, offset + limit) best first, explained; exclusions counted per rule."""
    now = now or utcnow()
    need = need_for(session, request, now)
    found = rules(need, max_report_ages(session, need.bed_types), now)
    offset, limit = max(0, offset), max(0, limit)
    seen = survey(session, need, found, now, now - ACCEPTANCE_WINDOW, offset, limit)
    options = seen.considered - seen.excluded
    # The acceptance rates come with the keys: the same division as acceptance_rates(), by
    # the database (tests/placement/test_constraints.py compares the candidates field by field).
    window = _candidates(session, seen.rows, seen.rates, now)
    skip = offset - seen.start
    page = tuple(rank(need, window)[skip:skip + limit])
    return Ranking(page, min(offset, options), options, seen.considered, seen.excluded,
                   seen.by_rule)


def excluded_for(session: Session, request: PlacementRequest, *, rule: Rule | None = None,
                 now: datetime | None = None, offset: int = 0,
                 limit: int = PAGE) -> Excluded:
    """The excluded units (breaking `rule`, or any), nearest to the patient first, with why."""
    now = now or utcnow()
    need = need_for(session, request, now)
    found = rules(need, max_report_ages(session, need.bed_types), now)
    offset, limit = max(0, offset), max(0, limit)
    seen = survey(session, need, found, now, now, 0, 0)
    total = seen.excluded if rule is None else seen.by_rule.get(rule, 0)
    rows = excluded_rows(session, need, found, rule, offset, limit) if limit else []
    shown = _candidates(session, rows, acceptance_rates(session, now), now)
    # Rows the database excluded; matching says why (None would mean the two disagree, which
    # tests/placement/test_constraints.py rules out).
    found_exclusions = tuple(e for e in (exclude(need, c) for c in shown) if e is not None)
    return Excluded(found_exclusions, min(offset, total), total, rule, seen.excluded,
                    seen.by_rule)
