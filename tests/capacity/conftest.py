"""Helpers for capacity tests: the demo provider's units and another organisation's unit."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.demo_units import first_unit_bed_type, org_of
from verkeerstoren.registry.models import UnitBedType


@pytest.fixture
def own_unit(session: Session) -> UnitBedType:
    """A unit and bed type (at least 4 beds) of the demo provider user's organisation."""
    return first_unit_bed_type(session, org_of(session, "provider"))


@pytest.fixture
def other_unit(session: Session) -> UnitBedType:
    """A unit and bed type of another provider (the provider2 user's organisation)."""
    return first_unit_bed_type(session, org_of(session, "provider2"))
