"""Helpers for the FHIR tests: the demo provider's unit, another organisation's unit, and
validation of what we emit with the independent fhir.resources models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests.capacity.conftest import _first_unit_bed_type, _user_org
from tests.interop.fhir_rules import VALIDATED
from verkeerstoren.registry.models import UnitBedType


@pytest.fixture
def own_unit(session: Session) -> UnitBedType:
    """A unit and bed type (at least 4 beds) of the demo provider user's organisation."""
    return _first_unit_bed_type(session, _user_org(session, "provider"))


@pytest.fixture
def other_unit(session: Session) -> UnitBedType:
    """A unit and bed type of another provider (the provider2 user's organisation)."""
    return _first_unit_bed_type(session, _user_org(session, "provider2"))


@pytest.fixture(scope="session", autouse=True)
def _report_validated() -> Iterator[None]:
    """Prints how many FHIR resources the run validated (shown with ``pytest -s``)."""
    yield
    if VALIDATED:
        print(f"\nFHIR resources validated: {sum(VALIDATED.values())} {dict(VALIDATED)}")
