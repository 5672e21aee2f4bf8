"""Helpers for capacity tests: the demo provider's units and another organisation's unit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.models import User
from verkeerstoren.registry.models import CareUnit, UnitBedType


def _user_org(session: Session, local: str) -> int:
    user = session.scalar(select(User).where(User.email.startswith(f"{local}@")))
    assert user is not None
    return user.organisation_id


def _first_unit_bed_type(session: Session, org_id: int) -> UnitBedType:
    found = session.scalars(
        select(UnitBedType).join(CareUnit)
        .where(CareUnit.organisation_id == org_id, UnitBedType.physical_beds >= 4)
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)
    ).first()
    assert found is not None
    return found


@pytest.fixture
def own_unit(session: Session) -> UnitBedType:
    """A unit and bed type (at least 4 beds) of the demo provider user's organisation."""
    return _first_unit_bed_type(session, _user_org(session, "provider"))


@pytest.fixture
def other_unit(session: Session) -> UnitBedType:
    """A unit and bed type of another provider (the provider2 user's organisation)."""
    return _first_unit_bed_type(session, _user_org(session, "provider2"))
