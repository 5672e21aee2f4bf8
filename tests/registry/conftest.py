"""Helpers for the registry tests: demo organisations, units and a unit of another provider."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Role
from verkeerstoren.demo.builder import DemoResult
from verkeerstoren.registry.models import CareUnit, Location, Organisation, Wijk


@dataclass(frozen=True)
class DemoOrgs:
    """The two provider organisations of the demo users and a place in Zoetermeer."""

    own: Organisation
    other: Organisation
    own_location: Location
    other_unit: CareUnit
    wijk: Wijk

    def provider(self) -> Actor:
        """An actor of the first provider organisation (scoped to it)."""
        return Actor(role=Role.PROVIDER, organisation_id=self.own.id, label="test", user_id=-1)


def _org(session: Session, demo: DemoResult, local: str) -> Organisation:
    user = next(u for u in demo.users if u.email.startswith(local + "@"))
    return session.scalars(select(Organisation).where(Organisation.name == user.organisation)).one()


@pytest.fixture
def orgs(session: Session, demo: DemoResult) -> DemoOrgs:
    """The provider's and provider2's organisations, with a location and a unit to work on."""
    own = _org(session, demo, "provider")
    other = _org(session, demo, "provider2")
    own_location = session.scalars(
        select(Location).where(Location.organisation_id == own.id).order_by(Location.id)
    ).first()
    other_unit = session.scalars(
        select(CareUnit).where(CareUnit.organisation_id == other.id).order_by(CareUnit.id)
    ).first()
    wijk = session.scalars(
        select(Wijk).where(Wijk.gemeente_code == "GM0637").order_by(Wijk.code)
    ).first()
    assert own_location is not None
    assert other_unit is not None
    assert wijk is not None
    return DemoOrgs(own, other, own_location, other_unit, wijk)
