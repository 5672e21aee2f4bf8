"""Gathering candidates for a request from the database and ranking them with `matching`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.board import BoardFilter, board
from verkeerstoren.placement.matching import Candidate, Match, Need, match
from verkeerstoren.placement.models import PlacementRequest, Reservation, ReservationStatus
from verkeerstoren.registry.models import Location
from verkeerstoren.storage.base import utcnow

ACCEPTANCE_WINDOW = timedelta(days=90)
# How far (in postcode numbers) a registered location may lie from the patient's postcode area
# to stand in for its position; Dutch PC4 numbers are geographically clustered.
NEAREST_PC4_SPAN = 25


def area_point(session: Session, postcode_area: int) -> tuple[float, float, str] | None:
    """Approximate position (lat, lon, gemeente) of a 4-digit postcode area.

    We hold no national postcode table, so the position is the mean of the registered locations
    whose postcodes are numerically closest (at most NEAREST_PC4_SPAN apart).
    """
    rows = session.execute(
        select(Location.postcode, Location.latitude, Location.longitude, Location.gemeente_code)
        .where(Location.latitude.is_not(None), Location.longitude.is_not(None))
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


def options_for(session: Session, request: PlacementRequest,
                *, now: datetime | None = None) -> Match:
    """Ranked options and explained exclusions for a request, from the live bed states."""
    now = now or utcnow()
    data = board(session, BoardFilter(bed_types=tuple(request.bed_types)), now=now)
    rates = acceptance_rates(session, now)
    point = area_point(session, request.postcode_area)
    need = Need(
        bed_types=tuple(request.bed_types),
        features=frozenset(request.features),
        wanted_start=request.wanted_start,
        financing=request.financing.value,
        today=now.date(),
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        preferred_gemeenten=frozenset(request.preferred_gemeenten),
    )
    candidates = [
        Candidate(
            unit_id=r.unit_id, unit=r.unit, organisation=r.organisation,
            bed_type_code=r.bed_type_code, available=r.available, stale=r.stale,
            age_hours=r.age_hours, features=frozenset(r.features), gemeente_code=r.gemeente_code,
            expected_free_date=r.expected_free_date, latitude=r.latitude, longitude=r.longitude,
            accept_rate=rates.get(r.organisation_id),
        )
        for r in data.rows
    ]
    return match(need, candidates)
