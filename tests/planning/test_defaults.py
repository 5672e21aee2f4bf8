"""Bed planning when the observed history is too thin (issue 16 item 6, made honest): below 30
requests in the window or 28 days of history the plan says so and uses the entered inputs or
the documented default (registered beds at 85 % occupancy, an assumed stay per bed type)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.placement.models import Financing, PlacementRequest, Urgency
from verkeerstoren.planning import defaults, service
from verkeerstoren.planning.schemas import BedPlanIn
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.registry.models import BedType, CareUnit, Location, Organisation, UnitBedType

Login = Callable[[str], Browser]
CODE = "test_thin"
THIN = "short_stay_palliative"  # registered in Zoetermeer, few demo requests; default 14 days


def _requests(session: Session, count: int, spread_days: int) -> None:
    """``count`` requests for a fresh bed type in Zoetermeer over the last ``spread_days``."""
    session.add(BedType(code=CODE, name="Testbed"))
    referrer = session.scalars(select(Organisation.id)).first()
    now = datetime.now(REGION_TZ)
    for n in range(count):
        at = now - timedelta(days=1 + n * (spread_days - 1) / max(count - 1, 1))
        session.add(PlacementRequest(
            pseudonym=f"thin-{n}", birth_year=1940, sex="f", postcode_area=2711,
            referrer_organisation_id=referrer, referrer_name="Dr. Test", bed_types=[CODE],
            features=[], preferred_gemeenten=[], wanted_start=at.date(),
            financing=Financing.ZVW, urgency=Urgency.TODAY, created_at=at,
            gemeente_code="GM0637"))
    session.flush()


def test_the_demo_history_is_too_thin_and_the_default_is_used_and_labelled(
        session: Session, login: Login) -> None:
    # ELV palliatief: the demo simulates history for the multifunctional and the other ELV
    # beds (planning/demo.py), and has only a handful of palliative requests.
    plan = service.plan_beds(session, BedPlanIn(bed_type=THIN,
                                                gemeente_code="GM0637"))
    assert plan.observed.requests < 30
    assert plan.thin_history
    assert (plan.arrivals_source, plan.stay_source) == ("default", "default")
    beds = session.scalar(
        select(func.sum(UnitBedType.physical_beds))
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(Location, Location.id == CareUnit.location_id)
        .where(Location.gemeente_code == "GM0637",
               UnitBedType.bed_type_code == THIN))
    assert beds
    assert plan.registered_beds == beds
    assert plan.mean_stay_days == 14.0  # the documented default for ELV palliatief
    assert plan.arrivals_per_day == pytest.approx(beds * 0.85 / 14)
    assert plan.inputs_note
    assert "Default (assumption for the demo)" in plan.inputs_note
    page = login("viewer").get("/planning/beds", params={"bed_type": THIN,
                                                         "gemeente_code": "GM0637"})
    assert page.status_code == 200
    assert "Te weinig geschiedenis om uit te schatten" in page.text
    assert "standaardinvoer (aanname voor de demo)" in page.text


def test_entered_arrivals_with_the_default_stay_match_the_erlang_table(
        session: Session) -> None:
    plan = service.plan_beds(session, BedPlanIn(bed_type=THIN,
                                                gemeente_code="GM0637", arrivals_per_day=1.0))
    assert (plan.arrivals_source, plan.stay_source) == ("entered", "default")
    # 1 a day × 14 days = 14 erlang. Published Erlang B tables: at 5 % blocking 19 servers
    # carry up to 14.3 erlang (18: 13.4); at 1 %, 23 carry 14.5 (22: 13.7).
    by_level = {g.guarantee_percent: g.beds for g in plan.guarantees}
    assert by_level[95.0] == 19
    assert by_level[99.0] == 23


def test_enough_history_is_used_as_observed(session: Session) -> None:
    _requests(session, 40, spread_days=60)
    plan = service.plan_beds(session, BedPlanIn(bed_type=CODE, gemeente_code="GM0637",
                                                mean_stay_days=5))
    assert not plan.thin_history
    assert plan.arrivals_source == "observed"
    assert plan.arrivals_per_day == pytest.approx(40 / 90)


def test_many_requests_in_too_few_days_are_still_too_thin(session: Session) -> None:
    _requests(session, 40, spread_days=10)
    plan = service.plan_beds(session, BedPlanIn(bed_type=CODE, gemeente_code="GM0637",
                                                arrivals_per_day=2, mean_stay_days=5))
    assert plan.thin_history
    assert plan.history_days <= 11
    assert plan.history_days < defaults.MIN_DAYS
    assert (plan.arrivals_source, plan.stay_source) == ("entered", "entered")
    with pytest.raises(ValidationProblem, match="registry"):
        # No beds of the test type in the registry: nothing to default to, a clear refusal.
        service.plan_beds(session, BedPlanIn(bed_type=CODE, gemeente_code="GM0637"))
