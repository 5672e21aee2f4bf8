"""Gathering candidates for a request from the database and ranking them with `matching`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.freshness import age_hours, is_stale
from verkeerstoren.capacity.models import BedState
from verkeerstoren.placement.matching import Candidate, Match, Need, match
from verkeerstoren.placement.models import PlacementRequest, Reservation, ReservationStatus
from verkeerstoren.registry.models import (
    BedType,
    CareUnit,
    Location,
    Organisation,
    UnitBedType,
    unit_feature,
)
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


def candidates(session: Session, bed_types: Sequence[str], rates: dict[int, float],
               now: datetime) -> list[Candidate]:
    """Every active unit offering one of these bed types, with its live state, as candidates.

    The same rows as the board (zeros and stale when never reported), but only the columns
    matching needs: building the board's pydantic rows, totals and order for a whole country
    cost ten times the query (bench/placement.py).
    """
    rows = session.execute(
        select(
            UnitBedType.unit_id, UnitBedType.bed_type_code, CareUnit.name,
            CareUnit.organisation_id, Organisation.name, Location.gemeente_code,
            Location.latitude, Location.longitude, BedType.max_report_age_hours,
            BedState.reported_at, BedState.staffed, BedState.occupied, BedState.blocked,
            BedState.held, BedState.expected_free_date,
        )
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(Organisation, Organisation.id == CareUnit.organisation_id)
        .join(Location, Location.id == CareUnit.location_id)
        .join(BedType, BedType.code == UnitBedType.bed_type_code)
        .outerjoin(
            BedState,
            (BedState.unit_id == UnitBedType.unit_id)
            & (BedState.bed_type_code == UnitBedType.bed_type_code),
        )
        .where(CareUnit.active.is_(True), UnitBedType.bed_type_code.in_(bed_types))
    ).all()
    features: dict[int, set[str]] = defaultdict(set)
    for unit_id, code in session.execute(
        select(unit_feature.c.unit_id, unit_feature.c.feature_code).where(
            unit_feature.c.unit_id.in_(
                select(UnitBedType.unit_id).where(UnitBedType.bed_type_code.in_(bed_types))))
    ):
        features[unit_id].add(code)
    none: frozenset[str] = frozenset()
    frozen = {unit_id: frozenset(codes) for unit_id, codes in features.items()}
    return [
        Candidate(
            unit_id=unit_id, unit=unit, organisation=org, bed_type_code=code,
            available=(staffed or 0) - (occupied or 0) - (blocked or 0) - (held or 0),
            stale=is_stale(reported_at, max_age, now), age_hours=age_hours(reported_at, now),
            features=frozen.get(unit_id, none), gemeente_code=gemeente,
            expected_free_date=expected_free, latitude=lat, longitude=lon,
            accept_rate=rates.get(org_id),
        )
        for (unit_id, code, unit, org_id, org, gemeente, lat, lon, max_age, reported_at,
             staffed, occupied, blocked, held, expected_free) in rows
    ]


def options_for(session: Session, request: PlacementRequest,
                *, now: datetime | None = None) -> Match:
    """Ranked options and explained exclusions for a request, from the live bed states."""
    now = now or utcnow()
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
    return match(need, candidates(session, request.bed_types, rates, now))
