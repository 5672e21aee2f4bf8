"""Placement fixtures: a request factory and a unit with exactly one free, fresh bed."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor, system_actor
from verkeerstoren.access.models import User
from verkeerstoren.access.service import actor_for_user
from verkeerstoren.capacity import service as capacity
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.placement import service
from verkeerstoren.placement.models import PlacementRequest, Reservation
from verkeerstoren.placement.schemas import RequestIn
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage.base import utcnow

_numbers = itertools.count(1)


def user_actor(session: Session, local: str) -> Actor:
    user = session.scalar(select(User).where(User.email.startswith(f"{local}@")))
    assert user is not None
    return actor_for_user(user)


def hold_free_bed(session: Session, make_request: Callable[..., PlacementRequest],
                  ubt: UnitBedType) -> Reservation:
    """A new request for ``ubt``'s bed type, and the coordinator's hold on a bed of it."""
    request = make_request(ubt.bed_type_code)
    return service.reserve(session, user_actor(session, "coordinator"), request.id,
                           ubt.unit_id, ubt.bed_type_code)


def request_in(bed_type: str, **overrides: object) -> RequestIn:
    values: dict[str, object] = {
        "pseudonym": f"test-episode-{next(_numbers):05d}", "birth_year": 1942, "sex": "f",
        "postcode_area": 2712, "referrer_name": "Dr. Test", "bed_types": [bed_type],
        "wanted_start": utcnow().date(), "financing": "zvw", "urgency": "today",
    }
    values.update(overrides)
    return RequestIn.model_validate(values)


@pytest.fixture
def one_free_bed(session: Session) -> UnitBedType:
    """A demo unit of the 'provider' user's organisation reported just now with 1 bed free."""
    provider = user_actor(session, "provider")
    ubt = session.scalars(
        select(UnitBedType).join(CareUnit)
        .where(CareUnit.organisation_id == provider.organisation_id,
               UnitBedType.bed_type_code == "short_stay_high")
        .order_by(UnitBedType.unit_id)
    ).first()
    if ubt is None:
        ubt = session.scalars(select(UnitBedType).join(CareUnit).where(
            CareUnit.organisation_id == provider.organisation_id)
            .order_by(UnitBedType.unit_id)).first()
    assert ubt is not None
    staffed = min(ubt.physical_beds, 3)
    capacity.submit_reports(session, system_actor(), [ReportIn(
        unit_id=ubt.unit_id, bed_type_code=ubt.bed_type_code, staffed=staffed,
        occupied=staffed - 1)], ReportSource.API)
    session.flush()
    return ubt


@pytest.fixture
def make_request(session: Session) -> Callable[..., PlacementRequest]:
    coordinator = user_actor(session, "coordinator")

    def _make(bed_type: str, **overrides: object) -> PlacementRequest:
        created = service.create_request(session, coordinator, request_in(bed_type, **overrides))
        session.flush()
        return created

    return _make
