"""Care units: wards at a location with their beds per bed type and their features."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.scoping import scoped_get
from verkeerstoren.errors import NotFound, ValidationProblem
from verkeerstoren.registry.checks import (
    bed_types_by_code,
    features_by_code,
    name_taken,
    raise_all,
    where_name,
)
from verkeerstoren.registry.models import CareUnit, Feature, Location, UnitBedType
from verkeerstoren.registry.schemas import CareUnitIn, CareUnitUpdate, UnitBedTypeIn


def list_units(
    session: Session,
    q: str | None = None,
    location_id: int | None = None,
    organisation_id: int | None = None,
) -> Sequence[CareUnit]:
    """Care units whose name contains q, optionally of one location or organisation."""
    statement = where_name(select(CareUnit), CareUnit.name, q).options(
        selectinload(CareUnit.bed_types), selectinload(CareUnit.features)
    )
    if location_id is not None:
        statement = statement.where(CareUnit.location_id == location_id)
    if organisation_id is not None:
        statement = statement.where(CareUnit.organisation_id == organisation_id)
    return session.scalars(statement.order_by(CareUnit.name, CareUnit.id)).all()


def get_unit(session: Session, unit_id: int) -> CareUnit:
    """One care unit, or NotFound (also when the edit scope hides it)."""
    found = scoped_get(session, CareUnit, unit_id)
    if found is None:
        raise NotFound("CareUnit", unit_id)
    return found


def _location(session: Session, location_id: int) -> Location:
    location = scoped_get(session, Location, location_id)
    if location is None:
        raise ValidationProblem("location_id", "Unknown location.")
    return location


def _beds_and_features(
    session: Session,
    bed_types: list[UnitBedTypeIn] | None,
    features: list[str] | None,
) -> tuple[list[ValidationProblem], list[Feature] | None]:
    problems: list[ValidationProblem] = []
    if bed_types is not None:
        known = bed_types_by_code(session)
        seen: set[str] = set()
        for item in bed_types:
            if item.bed_type_code not in known:
                problems.append(
                    ValidationProblem("bed_types", "Unknown bed type {code}.",
                                      code=item.bed_type_code)
                )
            elif item.bed_type_code in seen:
                problems.append(
                    ValidationProblem(
                        "bed_types", "Bed type {code} is listed twice.", code=item.bed_type_code
                    )
                )
            seen.add(item.bed_type_code)
    chosen: list[Feature] | None = None
    if features is not None:
        by_code = features_by_code(session)
        chosen = []
        for code in dict.fromkeys(features):  # ignore repeats, keep order
            if code in by_code:
                chosen.append(by_code[code])
            else:
                problems.append(ValidationProblem("features", "Unknown feature {code}.", code=code))
    return problems, chosen


def _set_beds(unit: CareUnit, bed_types: list[UnitBedTypeIn]) -> None:
    # Update rows in place: deleting and re-adding a primary key in one flush would clash.
    wanted = {b.bed_type_code: b.physical_beds for b in bed_types}
    for row in list(unit.bed_types):
        if row.bed_type_code not in wanted:
            unit.bed_types.remove(row)
        else:
            row.physical_beds = wanted.pop(row.bed_type_code)
    for code, beds in wanted.items():
        unit.bed_types.append(UnitBedType(bed_type_code=code, physical_beds=beds))


def _name_problem(
    session: Session, location_id: int, name: str, exclude_id: int | None
) -> list[ValidationProblem]:
    if name_taken(
        session,
        CareUnit.name,
        name,
        same=[CareUnit.location_id == location_id],
        id_column=CareUnit.id,
        exclude_id=exclude_id,
    ):
        return [ValidationProblem("name", "This location already has a unit with this name.")]
    return []


def create_unit(session: Session, actor: Actor, data: CareUnitIn) -> CareUnit:
    """Add a care unit at a location; it belongs to the location's organisation."""
    location = _location(session, data.location_id)
    problems, features = _beds_and_features(session, data.bed_types, data.features)
    problems += _name_problem(session, location.id, data.name, None)
    raise_all(problems)
    unit = CareUnit(
        organisation_id=location.organisation_id,
        location_id=location.id,
        name=data.name,
        phone=data.phone,
        active=data.active,
    )
    unit.features = features or []
    _set_beds(unit, data.bed_types)
    session.add(unit)
    session.flush()
    return unit


def update_unit(session: Session, actor: Actor, unit_id: int, data: CareUnitUpdate) -> CareUnit:
    """Change the fields sent; bed types and features sent replace the unit's own."""
    unit = get_unit(session, unit_id)
    changes = data.model_dump(exclude_unset=True, exclude={"bed_types", "features"})
    for required in ("location_id", "name", "active"):
        if changes.get(required, ...) is None:
            del changes[required]
    location = unit.location
    if "location_id" in changes:
        location = _location(session, changes["location_id"])
    problems, features = _beds_and_features(session, data.bed_types, data.features)
    problems += _name_problem(session, location.id, changes.get("name", unit.name), unit.id)
    raise_all(problems)
    for key, value in changes.items():
        setattr(unit, key, value)
    # A unit always belongs to its location's organisation (moves only within the actor's scope).
    unit.organisation_id = location.organisation_id
    if features is not None:
        unit.features = features
    if data.bed_types is not None:
        _set_beds(unit, data.bed_types)
    session.flush()
    return unit
