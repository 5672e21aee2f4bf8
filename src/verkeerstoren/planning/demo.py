"""Demo activity for bed planning: 90 days of simulated admissions to the short-stay beds.

Bed planning estimates today's arrivals and mean stay from what the tower observed: placement
requests and the reported occupancy (``planning.observed``). The rest of the demo holds a few
open requests and three days of reports, far too little to estimate from, so this simulates the
last 90 days of the demo's multifunctional and ELV beds as one coherent history: patients
arrive (more on weekdays), are placed in a free bed of their region or, when every bed is
taken, counted as unplaced; each stays a gamma-distributed number of days; every unit reports
its occupancy once a day. Little's law on that history gives back the stay the simulation used,
within sampling noise, which is what makes the planning page's inputs plausible.

The figures are invented (marked "(demo)" like every demo record): the mean stays are the
documented default assumptions of ``planning.defaults`` (two to four weeks for ELV, two weeks
for a multifunctional bed), and arrivals keep the beds about 85 % occupied.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import AvailabilityReport, ReportSource
from verkeerstoren.placement.models import (
    Financing,
    PlacementRequest,
    RequestStatus,
    UnplacedReason,
    Urgency,
)
from verkeerstoren.planning.defaults import DEFAULT_STAY_DAYS
from verkeerstoren.registry.models import CareUnit, Gemeente, Location, Organisation, UnitBedType

DAYS = 90
# The last days are the capacity demo's own (three days of reports): the history stops before.
REPORTS_END_DAYS_AGO = 4
# The simulated bed types, with the documented default stays (``planning.defaults``) as their
# mean: the demo's history then agrees with what a thin history would be planned with.
MEAN_STAY: dict[str, float] = {code: DEFAULT_STAY_DAYS[code] for code in
                               ("multifunctional", "short_stay_low", "short_stay_high")}
STAY_SHAPE = 2.0  # gamma shape: stays vary less than exponentially, as real stays do
OCCUPANCY = 0.85  # the share of beds the arrivals keep occupied on average
# Monday first: referrals come on weekdays, fewer at the weekend (mean 1).
WEEKDAY = (1.15, 1.1, 1.1, 1.1, 1.15, 0.7, 0.7)
LABEL = "demo"
SEED = 20261204  # its own draw, so the rest of the demo stays as it was


@dataclass
class _Unit:
    unit_id: int
    organisation_id: int
    gemeente: str
    beds: int
    leaving: list[date] = field(default_factory=list)  # one discharge day per patient present


def _units(session: Session, bed_type: str) -> dict[int, list[_Unit]]:
    """The demo's units with this bed type, per region."""
    rows = session.execute(
        select(CareUnit.id, CareUnit.organisation_id, Location.gemeente_code,
               Gemeente.region_id, UnitBedType.physical_beds)
        .join(UnitBedType, UnitBedType.unit_id == CareUnit.id)
        .join(Location, Location.id == CareUnit.location_id)
        .join(Gemeente, Gemeente.code == Location.gemeente_code)
        .where(CareUnit.is_demo.is_(True), UnitBedType.bed_type_code == bed_type,
               UnitBedType.physical_beds > 0, Gemeente.region_id.is_not(None))
        .order_by(CareUnit.id)).all()
    per_region: dict[int, list[_Unit]] = defaultdict(list)
    for unit_id, org_id, gemeente, region_id, beds in rows:
        assert region_id is not None  # the query keeps only gemeenten in a region
        per_region[region_id].append(_Unit(unit_id, org_id, gemeente, beds))
    return per_region


def _at(day: date, hour: float) -> datetime:
    # Stored in UTC; 07:00 UTC is 08:00 or 09:00 in the region: within the working day.
    return datetime.combine(day, time(7), tzinfo=UTC) + timedelta(hours=hour)


def _simulate(bed_type: str, units: list[_Unit], referrer: int, today: date,
              rng: random.Random) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    stay = MEAN_STAY[bed_type]
    rate = OCCUPANCY * sum(u.beds for u in units) / stay  # Little's law, per day
    requests: list[dict[str, object]] = []
    reports: list[dict[str, object]] = []
    # Start earlier than the window so that the window opens on a ward already in use.
    warm_up = int(3 * stay)
    for offset in range(-(DAYS + warm_up), 0):
        day = today + timedelta(days=offset)
        for ward in units:
            ward.leaving = [d for d in ward.leaving if d > day]
        arrivals = _poisson(rate * WEEKDAY[day.weekday()], rng)
        for n in range(arrivals):
            free = [u for u in units if len(u.leaving) < u.beds]
            unit: _Unit | None = rng.choice(free) if free else None
            created = _at(day, rng.uniform(0, 8))
            if unit is not None:
                days_stay = max(1, round(rng.gammavariate(STAY_SHAPE, stay / STAY_SHAPE)))
                unit.leaving.append(day + timedelta(days=days_stay))
            if offset < -DAYS:
                continue  # warm-up: fills the beds, recorded nowhere
            closed = created + timedelta(hours=rng.uniform(1, 6))
            requests.append({
                "pseudonym": f"demo-plan-{bed_type}-{day.isoformat()}-{n}",
                "birth_year": rng.randint(1928, 1948), "sex": rng.choice("fm"),
                "care_needs": "Gesimuleerde opname (demo)",
                "referrer_organisation_id": referrer, "referrer_name": "Demo verwijzer",
                "bed_types": [bed_type], "features": [], "preferred_gemeenten": [],
                "wanted_start": day, "financing": Financing.ZVW, "urgency": Urgency.TODAY,
                "status": RequestStatus.PLACED if unit else RequestStatus.UNPLACED,
                "created_at": created, "closed_at": closed,
                "placed_unit_id": unit.unit_id if unit else None,
                "placed_bed_type": bed_type if unit else None,
                "admission_date": closed.date() if unit else None,
                "unplaced_reason": None if unit else UnplacedReason.NO_BED_OF_TYPE,
                # The patient lives where the bed is (placed) or anywhere in the region.
                "gemeente_code": (unit or rng.choice(units)).gemeente, "is_demo": True,
            })
        if offset >= -DAYS and offset < -REPORTS_END_DAYS_AGO:
            for ward in units:
                reports.append({
                    "organisation_id": ward.organisation_id, "unit_id": ward.unit_id,
                    "bed_type_code": bed_type, "reported_at": _at(day, 3 + rng.uniform(0, 2)),
                    "physical": ward.beds, "staffed": ward.beds, "occupied": len(ward.leaving),
                    "blocked": 0, "remark": "Gesimuleerde historie (demo)",
                    "source": ReportSource.API, "reported_by": LABEL})
    return requests, reports


def _poisson(mean: float, rng: random.Random) -> int:
    """Knuth's method: exact, and fast for the small daily means used here."""
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def seed_planning_demo(session: Session, now: datetime) -> int:
    """Simulate the last 90 days of the demo's short-stay beds; returns the requests written."""
    referrer = session.scalar(select(Organisation.id).where(Organisation.is_demo.is_(True))
                              .order_by(Organisation.id))
    if referrer is None:
        return 0
    rng = random.Random(SEED)
    requests: list[dict[str, object]] = []
    reports: list[dict[str, object]] = []
    for bed_type in MEAN_STAY:
        for _, units in sorted(_units(session, bed_type).items()):
            made, reported = _simulate(bed_type, units, referrer, now.date(), rng)
            requests += made
            reports += reported
    if requests:
        session.execute(insert(PlacementRequest), requests)
    if reports:
        session.execute(insert(AvailabilityReport), reports)
    return len(requests)
