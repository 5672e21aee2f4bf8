"""Importing care units, with their organisations and locations: plan every row, then write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.registry.checks import bed_types_by_code, check_area, features_by_code
from verkeerstoren.registry.fields import (
    MAX_BEDS,
    GemeenteCode,
    HouseNumber,
    Latitude,
    Longitude,
    Name,
    OptText100,
    OptText200,
    Postcode,
    WijkCode,
)
from verkeerstoren.registry.import_rows import (
    ImportSummary,
    assign,
    by_code_or_name,
    plan_rows,
    split_cells,
    validated,
)
from verkeerstoren.registry.models import (
    CareUnit,
    Location,
    Organisation,
    OrganisationKind,
    UnitBedType,
)


class _UnitRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    organisation: Name
    organisation_kind: OrganisationKind | None = None
    location: Name
    street: OptText200 = None
    house_number: HouseNumber = None
    postcode: Postcode
    city: OptText100 = None
    gemeente_code: GemeenteCode
    wijk_code: WijkCode = None
    latitude: Latitude = None
    longitude: Longitude = None
    unit: Name
    bed_type: Name
    physical_beds: Annotated[int, Field(ge=0, le=MAX_BEDS)]


@dataclass
class _Unit:
    org: str
    location: dict[str, Any]
    name: str
    beds: dict[str, int]
    features: list[str]
    first_row: int


_LOCATION_FIELDS = (
    "street", "house_number", "postcode", "city", "gemeente_code", "wijk_code", "latitude",
    "longitude",
)


class _UnitPlan:
    """The units a file describes, grouped from its rows, and the problems found on the way."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.bed_types = bed_types_by_code(session)
        self.features = features_by_code(session)
        self.units: dict[tuple[str, str, str], _Unit] = {}
        self.locations: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.kinds: dict[str, tuple[int, OrganisationKind]] = {}
        self.areas: dict[tuple[str, str | None], list[ValidationProblem]] = {}
        self.problems: list[ValidationProblem] = []

    def add(self, row: int, record: dict[str, str]) -> None:
        """Check one row and group it under its unit."""
        problems: list[ValidationProblem] = []
        parsed: _UnitRow | None = None
        try:
            parsed = validated(_UnitRow, record, row)
        except ValidationErrors as errors:
            problems += errors.problems
        # Reference checks run on the raw cells too, so one pass shows every problem of a row.
        raw_bed = record.get("bed_type", "")
        bed_code = by_code_or_name(self.bed_types, raw_bed) if raw_bed else None
        if raw_bed and bed_code is None:
            problems.append(ValidationProblem("bed_type", "Unknown bed type {code}.", row=row,
                                              code=raw_bed[:40]))
        feature_codes: list[str] = []
        for value in split_cells(record.get("features")):
            code = by_code_or_name(self.features, value)
            if code is None:
                problems.append(
                    ValidationProblem("features", "Unknown feature {code}.", row=row,
                                      code=value[:40]))
            elif code not in feature_codes:
                feature_codes.append(code)
        if parsed is not None:
            problems += self._group(row, parsed, bed_code, feature_codes)
        self.problems += problems

    def _group(
        self, row: int, parsed: _UnitRow, bed_code: str | None, feature_codes: list[str]
    ) -> list[ValidationProblem]:
        problems: list[ValidationProblem] = []
        area_key = (parsed.gemeente_code, parsed.wijk_code)
        if area_key not in self.areas:
            self.areas[area_key] = check_area(self.session, *area_key)
        problems += [p.at_row(row) for p in self.areas[area_key]]
        if parsed.organisation_kind is not None:
            first = self.kinds.setdefault(parsed.organisation, (row, parsed.organisation_kind))
            if first[1] != parsed.organisation_kind:
                problems.append(ValidationProblem(
                    "organisation_kind", "Differs from row {first} for the same organisation.",
                    row=row, first=first[0]))
        address = {f: getattr(parsed, f) for f in _LOCATION_FIELDS}
        loc_key = (parsed.organisation, parsed.location)
        first_loc = self.locations.setdefault(loc_key, (row, address))
        if first_loc[1] != address:
            problems.append(ValidationProblem(
                "location", "The address differs from row {first} for the same location.",
                row=row, first=first_loc[0]))
        unit = self.units.setdefault(
            (parsed.organisation, parsed.location, parsed.unit),
            _Unit(parsed.organisation, address, parsed.unit, {}, [], row),
        )
        if bed_code is not None:
            if bed_code in unit.beds:
                problems.append(ValidationProblem(
                    "bed_type", "Bed type {code} appears twice for this unit.", row=row,
                    code=bed_code))
            unit.beds[bed_code] = parsed.physical_beds
        unit.features += [c for c in feature_codes if c not in unit.features]
        return problems


def import_units(session: Session, data: bytes) -> ImportSummary:
    """Check every row of a units file, then create or update by name."""
    plan = _UnitPlan(session)
    summary = plan_rows(data, "units", plan)
    kinds = {name: kind for name, (_, kind) in plan.kinds.items()}
    _write_units(session, summary, plan.units, kinds, plan.features)
    return summary


def _write_units(
    session: Session,
    summary: ImportSummary,
    units: dict[tuple[str, str, str], _Unit],
    kinds: dict[str, OrganisationKind],
    features: dict[str, Any],
) -> None:
    orgs = {o.name: o for o in session.scalars(select(Organisation))}
    for name in dict.fromkeys(u.org for u in units.values()):
        org = orgs.get(name)
        kind = kinds.get(name)
        if org is None:
            org = Organisation(name=name, kind=kind or OrganisationKind.PROVIDER)
            session.add(org)
            orgs[name] = org
            summary.organisations_created += 1
        elif kind is not None and assign(org, {"kind": kind}):
            summary.organisations_updated += 1
    session.flush()
    locs = {(loc.organisation_id, loc.name): loc for loc in session.scalars(select(Location))}
    existing_units = {
        (u.location_id, u.name): u
        for u in session.scalars(
            select(CareUnit).options(
                selectinload(CareUnit.bed_types), selectinload(CareUnit.features)
            )
        )
    }
    seen_locations: set[tuple[int, str]] = set()
    for (org_name, loc_name, _), item in units.items():
        org = orgs[org_name]
        key = (org.id, loc_name)
        location = locs.get(key)
        if location is None:
            location = Location(organisation_id=org.id, name=loc_name, **item.location)
            session.add(location)
            session.flush()
            locs[key] = location
            summary.locations_created += 1
        elif key not in seen_locations and assign(location, item.location):
            summary.locations_updated += 1
        seen_locations.add(key)
        unit = existing_units.get((location.id, item.name))
        created = unit is None
        if unit is None:
            unit = CareUnit(organisation_id=org.id, location_id=location.id, name=item.name)
            session.add(unit)
        changed = assign(unit, {"organisation_id": org.id})
        old_beds = {b.bed_type_code: b.physical_beds for b in unit.bed_types}
        if old_beds != item.beds:
            changed = True
            for row in list(unit.bed_types):
                if row.bed_type_code not in item.beds:
                    unit.bed_types.remove(row)
                else:
                    row.physical_beds = item.beds[row.bed_type_code]
            for code, beds in item.beds.items():
                if code not in old_beds:
                    unit.bed_types.append(UnitBedType(bed_type_code=code, physical_beds=beds))
        if sorted(f.code for f in unit.features) != sorted(item.features):
            changed = True
            unit.features = [features[c] for c in item.features]
        if created:
            summary.units_created += 1
        elif changed:
            summary.units_updated += 1
    session.flush()
