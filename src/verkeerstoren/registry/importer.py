"""All-or-nothing CSV import of the registry: care units (with their organisations and locations)
or district-nursing teams.

Every row is checked before anything is written, and every problem is reported with the row
number a spreadsheet user sees (the header is row 1). Files may be UTF-8 (with or without BOM) or
Excel's cp1252, separated by commas, semicolons or tabs.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren import validation
from verkeerstoren.access.actor import Actor
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.registry.checks import (
    bed_types_by_code,
    check_area,
    features_by_code,
    skills_by_code,
)
from verkeerstoren.registry.models import (
    CareUnit,
    Location,
    NursingTeam,
    Organisation,
    OrganisationKind,
    ServiceArea,
    UnitBedType,
    Wijk,
)
from verkeerstoren.registry.schemas import (
    MAX_BEDS,
    Email,
    GemeenteCode,
    HouseNumber,
    Latitude,
    Longitude,
    Name,
    OptText100,
    OptText200,
    Phone,
    Postcode,
    ServiceAreaIn,
    WijkCode,
    parse_service_areas,
)
from verkeerstoren.tables import reading

Kind = Literal["units", "teams"]
KINDS: tuple[Kind, ...] = ("units", "teams")

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

COLUMNS: dict[Kind, tuple[str, ...]] = {
    "units": (
        "organisation", "organisation_kind", "location", "street", "house_number", "postcode",
        "city", "gemeente_code", "wijk_code", "latitude", "longitude", "unit", "bed_type",
        "physical_beds", "features",
    ),
    "teams": ("organisation", "team", "phone", "email", "skills", "service_areas"),
}
REQUIRED: dict[Kind, frozenset[str]] = {
    "units": frozenset(
        {"organisation", "location", "postcode", "gemeente_code", "unit", "bed_type",
         "physical_beds"}
    ),
    "teams": frozenset({"organisation", "team"}),
}
EXAMPLES: dict[Kind, tuple[str, ...]] = {
    "units": (
        "Zorggroep Voorbeeld", "provider", "Huis aan de Singel", "Singel", "12", "2711AB",
        "Zoetermeer", "GM0637", "WK063701", "52.06", "4.49", "Afdeling Tulp", "short_stay_high",
        "8", "oxygen;dementia_closed",
    ),
    "teams": (
        "Zorggroep Voorbeeld", "Wijkteam Centrum", "079 123 4567", "centrum@example.nl",
        "palliative;wound_care", "2711-2729;WK063701",
    ),
}


@dataclass
class ImportSummary:
    """What an import did: rows read and rows of each kind created or changed."""

    kind: str
    rows: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    locations_created: int = 0
    locations_updated: int = 0
    units_created: int = 0
    units_updated: int = 0
    teams_created: int = 0
    teams_updated: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as a plain dict (for JSON)."""
        return asdict(self)


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


class _TeamRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    organisation: Name
    team: Name
    phone: Phone = None
    email: Email = None


def template_csv(kind: Kind) -> str:
    """A CSV file with the header and one example row of this import kind."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS[kind])
    writer.writerow(EXAMPLES[kind])
    return out.getvalue()


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[;|]", cell or "") if p.strip()]


def read_rows(data: bytes, kind: Kind) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, cells by column) for every non-empty data row.

    Raises ValidationErrors when the file is too large, unreadable or has wrong columns.
    """
    reading.check_size(data, MAX_BYTES)
    lines = reading.csv_rows(data)
    reading.check_cells(lines)
    header = [reading.column_name(c) for c in lines[0]] if lines else []
    rows = lines[1:]
    if not any(header):
        raise ValidationErrors([ValidationProblem("file", "The file is empty.")])
    problems: list[ValidationProblem] = []
    missing = sorted(REQUIRED[kind] - set(header))
    unknown = [c for c in header if c and c not in COLUMNS[kind]]
    if missing:
        problems.append(ValidationProblem("file", "Missing columns: {columns}.",
                                          columns=", ".join(missing)))
    if unknown:
        problems.append(
            ValidationProblem("file", "Unknown columns: {columns}.",
                              columns=", ".join(unknown[:20]))
        )
    if len(rows) > MAX_ROWS:
        problems.append(ValidationProblem("file", "The file has more than {n} rows.", n=MAX_ROWS))
    if problems:
        raise ValidationErrors(problems)
    for index, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        record = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(header)}
        yield index, record


def _validated(model: type[BaseModel], record: dict[str, str], row: int) -> Any:
    values: dict[str, Any] = {k: v for k, v in record.items() if v != ""}
    for key in ("latitude", "longitude"):
        if key in values:
            values[key] = values[key].replace(",", ".")  # Dutch Excel writes 52,06
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ValidationErrors(validation.problems(error, row, top_level=True)) from None


def _by_code_or_name(options: dict[str, Any], value: str) -> str | None:
    if value in options:
        return value
    lowered = value.lower()
    for code, item in options.items():
        if code.lower() == lowered or str(item.name).lower() == lowered:
            return code
    return None


def _at_row(problem: ValidationProblem, row: int) -> ValidationProblem:
    return problem.at_row(row)


def _assign(obj: object, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def import_csv(session: Session, actor: Actor, kind: Kind, data: bytes) -> ImportSummary:
    """Validate every row, then create or update by name; writes nothing if any row is wrong."""
    if kind == "units":
        return _import_units(session, actor, data)
    return _import_teams(session, actor, data)


# --- units ---------------------------------------------------------------------------------


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
            parsed = _validated(_UnitRow, record, row)
        except ValidationErrors as errors:
            problems += errors.problems
        # Reference checks run on the raw cells too, so one pass shows every problem of a row.
        raw_bed = record.get("bed_type", "")
        bed_code = _by_code_or_name(self.bed_types, raw_bed) if raw_bed else None
        if raw_bed and bed_code is None:
            problems.append(ValidationProblem("bed_type", "Unknown bed type {code}.", row=row,
                                              code=raw_bed[:40]))
        feature_codes: list[str] = []
        for value in _split(record.get("features")):
            code = _by_code_or_name(self.features, value)
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
        problems += [_at_row(p, row) for p in self.areas[area_key]]
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


def _import_units(session: Session, actor: Actor, data: bytes) -> ImportSummary:
    summary = ImportSummary(kind="units")
    plan = _UnitPlan(session)
    for row, record in read_rows(data, "units"):
        summary.rows += 1
        plan.add(row, record)
    if summary.rows == 0:
        plan.problems.append(ValidationProblem("file", "The file has no data rows."))
    if plan.problems:
        raise ValidationErrors(plan.problems)
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
        elif kind is not None and _assign(org, {"kind": kind}):
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
        elif key not in seen_locations and _assign(location, item.location):
            summary.locations_updated += 1
        seen_locations.add(key)
        unit = existing_units.get((location.id, item.name))
        created = unit is None
        if unit is None:
            unit = CareUnit(organisation_id=org.id, location_id=location.id, name=item.name)
            session.add(unit)
        changed = _assign(unit, {"organisation_id": org.id})
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


# --- teams ---------------------------------------------------------------------------------


def _import_teams(session: Session, actor: Actor, data: bytes) -> ImportSummary:
    summary = ImportSummary(kind="teams")
    problems: list[ValidationProblem] = []
    orgs = {o.name: o for o in session.scalars(select(Organisation))}
    skills = skills_by_code(session)
    wijken_checked: dict[str, bool] = {}
    planned: dict[tuple[int, str], tuple[int, _TeamRow, list[str], list[ServiceAreaIn]]] = {}
    for row, record in read_rows(data, "teams"):
        summary.rows += 1
        row_problems: list[ValidationProblem] = []
        parsed: _TeamRow | None = None
        try:
            parsed = _validated(_TeamRow, record, row)
        except ValidationErrors as errors:
            row_problems += errors.problems
        org_name = record.get("organisation", "")
        org = orgs.get(org_name)
        if org is None and org_name:
            row_problems.append(ValidationProblem(
                "organisation", "Unknown organisation {name}.", row=row, name=org_name[:60]))
        skill_codes: list[str] = []
        for value in _split(record.get("skills")):
            code = _by_code_or_name(skills, value)
            if code is None:
                row_problems.append(
                    ValidationProblem("skills", "Unknown skill {code}.", row=row, code=value[:40]))
            elif code not in skill_codes:
                skill_codes.append(code)
        areas, bad = parse_service_areas(record.get("service_areas") or "")
        for token in bad:
            row_problems.append(ValidationProblem(
                "service_areas",
                "{value} is neither a postcode range like 2711-2729 nor a code like WK063701.",
                row=row, value=token))
        for area in areas:
            code = area.wijk_code
            if code is not None:
                if code not in wijken_checked:
                    wijken_checked[code] = session.get(Wijk, code) is not None
                if not wijken_checked[code]:
                    row_problems.append(ValidationProblem(
                        "service_areas", "Unknown neighbourhood {code}.", row=row, code=code))
        if org is not None and parsed is not None:
            key = (org.id, parsed.team)
            if key in planned:
                row_problems.append(ValidationProblem(
                    "team", "This team already appears in row {first}.", row=row,
                    first=planned[key][0]))
            else:
                planned[key] = (row, parsed, skill_codes, areas)
        problems += row_problems
    if summary.rows == 0:
        problems.append(ValidationProblem("file", "The file has no data rows."))
    if problems:
        raise ValidationErrors(problems)
    teams = {
        (t.organisation_id, t.name): t
        for t in session.scalars(
            select(NursingTeam).options(
                selectinload(NursingTeam.skills), selectinload(NursingTeam.service_areas)
            )
        )
    }
    for key, (_, parsed, skill_codes, areas) in planned.items():
        team = teams.get(key)
        created = team is None
        if team is None:
            team = NursingTeam(organisation_id=key[0], name=key[1])
            session.add(team)
        changed = _assign(team, {"phone": parsed.phone, "email": parsed.email})
        if sorted(s.code for s in team.skills) != sorted(skill_codes):
            changed = True
            team.skills = [skills[c] for c in skill_codes]
        wanted = list(dict.fromkeys((a.postcode_from, a.postcode_to, a.wijk_code) for a in areas))
        current = [(a.postcode_from, a.postcode_to, a.wijk_code) for a in team.service_areas]
        if current != wanted:
            changed = True
            team.service_areas = [
                ServiceArea(postcode_from=f, postcode_to=t, wijk_code=w) for f, t, w in wanted
            ]
        if created:
            summary.teams_created += 1
        elif changed:
            summary.teams_updated += 1
    session.flush()
    return summary
