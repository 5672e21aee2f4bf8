"""Arrivals, weekday pattern and Little's-law stay estimated from what the tower stored, checked
against a ward whose true arrival rate and stay the test itself drew (numpy, not the planning
code)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import AvailabilityDay
from verkeerstoren.placement.models import Financing, PlacementRequest, Urgency
from verkeerstoren.planning.observed import Area, observe
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.registry.models import BedType, CareUnit, Location, Organisation

END = date(2026, 11, 30)
DAYS = 120
RATE = 3.0  # arrivals per day
STAY = 9.0  # mean stay in days
CODE = "test_ward"


def _ward(session: Session) -> tuple[CareUnit, str]:
    """A bed type nobody else uses, so the demo's own data cannot leak into the estimate."""
    session.add(BedType(code=CODE, name="Testafdeling"))
    unit = session.scalars(select(CareUnit).order_by(CareUnit.id)).first()
    assert unit is not None
    gemeente = session.get(Location, unit.location_id).gemeente_code  # type: ignore[union-attr]
    return unit, gemeente


def _simulate_ward(rng: np.random.Generator) -> tuple[list[datetime], list[int]]:
    """Poisson arrivals (Mondays twice as busy), exponential stays; occupancy at each day's end."""
    start = END - timedelta(days=DAYS - 1)
    warm = 200  # days before the window, so the ward is full of patients when it starts
    arrivals: list[datetime] = []
    leaves: list[float] = []
    starts: list[float] = []
    weights = np.array([2.0, 1, 1, 1, 1, 1, 1])
    weights = weights * 7 / weights.sum()
    for offset in range(-warm, DAYS):
        day = start + timedelta(days=offset)
        for at in rng.uniform(offset, offset + 1, rng.poisson(RATE * weights[day.weekday()])):
            starts.append(at)
            leaves.append(at + rng.exponential(STAY))
            if offset >= 0:
                moment = datetime.combine(start, time(), REGION_TZ) + timedelta(days=float(at))
                arrivals.append(moment)
    begun = np.array(starts)
    gone = np.array(leaves)
    occupied = [int(((begun <= o + 1) & (gone > o + 1)).sum()) for o in range(DAYS)]
    return arrivals, occupied


def test_littles_law_recovers_the_true_stay_and_the_monday_peak(session: Session) -> None:
    unit, gemeente = _ward(session)
    referrer = session.scalars(select(Organisation.id)).first()
    arrivals, occupied = _simulate_ward(np.random.default_rng(11))
    for number, at in enumerate(arrivals):
        session.add(PlacementRequest(
            pseudonym=f"ward-{number}", birth_year=1940, sex="f", postcode_area=2711,
            referrer_organisation_id=referrer, referrer_name="Dr. Test",
            bed_types=[CODE, "elsewhere"] if number % 10 == 0 else [CODE], features=[],
            preferred_gemeenten=[], wanted_start=at.date(), financing=Financing.ZVW,
            urgency=Urgency.TODAY, created_at=at, gemeente_code=gemeente))
    start = END - timedelta(days=DAYS - 1)
    for offset, count in enumerate(occupied):
        if offset % 3 == 2:
            continue  # a day without a report carries the previous day's figure forward
        session.add(AvailabilityDay(
            unit_id=unit.id, bed_type_code=CODE, day=start + timedelta(days=offset), staffed=60,
            occupied=count, blocked=0, reported_at=datetime.now(REGION_TZ), report_id=0))
    session.flush()

    seen = observe(session, CODE, Area(gemeente_code=gemeente), end=END, days=DAYS)

    # One request in ten also asked for another bed type and counts half here.
    expected = sum(0.5 if n % 10 == 0 else 1.0 for n in range(len(arrivals)))
    assert seen.requests == pytest.approx(expected)
    assert seen.arrivals_per_day == pytest.approx(RATE, rel=0.1)
    assert seen.mean_stay_days is not None
    assert seen.mean_stay_days == pytest.approx(STAY, rel=0.15)
    assert seen.weekday_pattern is not None
    assert seen.weekday_pattern[0] == pytest.approx(2 * 7 / 8, rel=0.2)  # Monday
    assert seen.units == 1
    elsewhere = observe(session, CODE, Area(gemeente_code="GM0000"), end=END, days=DAYS)
    assert elsewhere.requests == 0
    assert elsewhere.mean_stay_days is None
