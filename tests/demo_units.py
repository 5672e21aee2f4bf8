"""Finding the demo's people and beds from tests: whose organisation a demo user belongs to,
and a unit's bed type of that organisation with room for a few test reports."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.models import User
from verkeerstoren.registry.models import CareUnit, UnitBedType


def org_of(session: Session, local: str) -> int:
    """The organisation of the demo user whose e-mail address starts with ``local@``."""
    user = session.scalar(select(User).where(User.email.startswith(f"{local}@")))
    assert user is not None
    assert user.organisation_id is not None
    return user.organisation_id


def first_unit_bed_type(session: Session, org_id: int) -> UnitBedType:
    """The organisation's first unit bed type with at least 4 beds (a stable choice)."""
    found = session.scalars(
        select(UnitBedType).join(CareUnit)
        .where(CareUnit.organisation_id == org_id, UnitBedType.physical_beds >= 4)
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)
    ).first()
    assert found is not None
    return found
