"""Helpers for the interop tests: the demo provider's unit and another organisation's unit
(FHIR), and hand-written EDXL-HAVE fixture documents filled in for the demo."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from string import Template

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.capacity.conftest import other_unit, own_unit
from tests.demo_units import org_of
from tests.interop.fhir_rules import VALIDATED
from verkeerstoren.capacity.models import BedState
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage.base import utcnow

# Shared with the capacity tests; named here so pytest finds them for this folder too.
__all__ = ["org_of", "other_unit", "own_unit"]

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str, **values: object) -> bytes:
    """A hand-written document with the demo's unit, bed type, counts and times filled in."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return Template(text).substitute({k: str(v) for k, v in values.items()}).encode()


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def now_values() -> dict[str, str]:
    now = utcnow()
    return {"FROM": stamp(now - timedelta(hours=1)), "TO": stamp(now)}


def _free_of_holds(session: Session, row: UnitBedType) -> bool:
    state = session.get(BedState, (row.unit_id, row.bed_type_code))
    return state is None or state.held == 0


@pytest.fixture
def own_bed(session: Session) -> UnitBedType:
    """A bed type (at least 4 beds, no holds) of a unit of the provider user's organisation."""
    rows = session.scalars(
        select(UnitBedType).join(CareUnit)
        .where(CareUnit.organisation_id == org_of(session, "provider"), CareUnit.active,
               UnitBedType.physical_beds >= 4)
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code))
    found = next(r for r in rows if _free_of_holds(session, r))
    return found


@pytest.fixture
def own_single_category_bed(session: Session, own_bed: UnitBedType) -> UnitBedType:
    """A new unit of the provider's organisation with one bed type (hospice, 6 beds): the
    demo's units have several bed types in HAVE 1.0's one category, which 1.0 cannot tell
    apart."""
    sibling = session.get(CareUnit, own_bed.unit_id)
    assert sibling is not None
    unit = CareUnit(organisation_id=sibling.organisation_id, location_id=sibling.location_id,
                    name="EDXL-HAVE 1.0 hospice")
    unit.bed_types.append(UnitBedType(bed_type_code="hospice", physical_beds=6))
    session.add(unit)
    session.flush()
    return unit.bed_types[0]


@pytest.fixture
def other_bed(session: Session) -> UnitBedType:
    found = session.scalars(
        select(UnitBedType).join(CareUnit)
        .where(CareUnit.organisation_id == org_of(session, "provider2"),
               UnitBedType.physical_beds >= 4)
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)).first()
    assert found is not None
    return found



@pytest.fixture(scope="session", autouse=True)
def _report_validated() -> Iterator[None]:
    """Prints how many FHIR resources the run validated (shown with ``pytest -s``)."""
    yield
    if VALIDATED:
        print(f"\nFHIR resources validated: {sum(VALIDATED.values())} {dict(VALIDATED)}")
