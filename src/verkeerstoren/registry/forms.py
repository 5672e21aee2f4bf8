"""Form definitions of the registry pages and the conversion of posted forms into API models.

Kept apart from the routes so the field lists (labels are msgids) can be read in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from verkeerstoren import validation
from verkeerstoren.access.actor import Actor
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.registry import service
from verkeerstoren.registry.fields import MAX_BEDS
from verkeerstoren.registry.models import (
    CareUnit,
    Location,
    NursingTeam,
    Organisation,
    OrganisationKind,
)
from verkeerstoren.registry.schemas import parse_service_areas
from verkeerstoren.web.forms import FormField

FormValues = dict[str, list[str]]

KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.PROVIDER: "Care provider",
    OrganisationKind.MUNICIPALITY: "Municipality",
    OrganisationKind.INSURER: "Health insurer",
    OrganisationKind.GP_PRACTICE: "GP practice",
    OrganisationKind.COORDINATION_POINT: "Coordination point",
}


def one(values: FormValues, name: str) -> str:
    """The first value posted for a field, or '' when absent."""
    found = values.get(name) or [""]
    return found[0]


def optional(values: FormValues, name: str) -> str | None:
    """The posted value, or None when empty."""
    return one(values, name).strip() or None


def number(values: FormValues, name: str) -> str | None:
    """A posted number with a Dutch decimal comma accepted, or None when empty."""
    value = optional(values, name)
    return value.replace(",", ".") if value is not None else None


def collect(action: Callable[[], Any]) -> list[ValidationProblem]:
    """Run a save; return its validation problems instead of raising them."""
    try:
        action()
    except ValidationError as error:
        return validation.problems(error, top_level=True)
    except ValidationErrors as errors:
        return errors.problems
    except ValidationProblem as problem:
        return [problem]
    return []


def _org_options(session: Session) -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in service.list_organisations(session)]


# --- organisations -------------------------------------------------------------------------


def organisation_fields(session: Session, actor: Actor, *, new: bool) -> list[FormField]:
    """Inputs of the organisation form; only administrators choose the kind."""
    fields = [FormField("name", "Name", required=True)]
    if actor.scoped_organisation is None:
        kinds = [(k.value, label) for k, label in KIND_LABELS.items()]
        fields.append(FormField("kind", "Kind", "select", options=kinds, required=True))
    fields += [
        FormField("agb_code", "AGB code", help="8 digits"),
        FormField("email", "E-mail address", "email"),
        FormField("phone", "Phone"),
    ]
    return fields


def organisation_values(org: Organisation | None) -> dict[str, Any]:
    """Initial values of the organisation form."""
    if org is None:
        return {"kind": OrganisationKind.PROVIDER.value}
    return {
        "name": org.name, "kind": org.kind.value, "agb_code": org.agb_code,
        "email": org.email, "phone": org.phone,
    }


def organisation_data(
    session: Session, actor: Actor, values: FormValues, *, new: bool
) -> tuple[dict[str, Any], list[ValidationProblem]]:
    """The posted organisation form as a dict for OrganisationIn/OrganisationUpdate."""
    data: dict[str, Any] = {
        "name": one(values, "name"),
        "agb_code": optional(values, "agb_code"),
        "email": optional(values, "email"),
        "phone": optional(values, "phone"),
    }
    if actor.scoped_organisation is None:
        data["kind"] = one(values, "kind") or OrganisationKind.PROVIDER.value
    return data, []


# --- locations -----------------------------------------------------------------------------


def location_fields(session: Session, actor: Actor, *, new: bool) -> list[FormField]:
    """Inputs of the location form; administrators pick the organisation of a new location."""
    fields: list[FormField] = []
    if new and actor.scoped_organisation is None:
        fields.append(
            FormField("organisation_id", "Organisation", "select", options=_org_options(session),
                      required=True)
        )
    gemeenten = [(g.code, f"{g.name} ({g.code})") for g in service.list_gemeenten(session)]
    fields += [
        FormField("name", "Name", required=True),
        FormField("street", "Street"),
        FormField("house_number", "House number"),
        FormField("postcode", "Postcode", required=True, help="for example 2711AB"),
        FormField("city", "City"),
        FormField("gemeente_code", "Municipality", "select", options=gemeenten,
                  required=True),
        FormField("wijk_code", "Neighbourhood code", help="for example WK063701"),
        FormField("latitude", "Latitude", "number"),
        FormField("longitude", "Longitude", "number"),
        FormField("phone", "Phone"),
    ]
    return fields


_LOCATION_TEXT = ("street", "house_number", "city", "wijk_code", "phone")


def location_values(location: Location | None) -> dict[str, Any]:
    """Initial values of the location form."""
    if location is None:
        return {}
    names = ("name", "postcode", "gemeente_code", "latitude", "longitude", *_LOCATION_TEXT)
    return {name: getattr(location, name) for name in names}


def location_data(
    session: Session, actor: Actor, values: FormValues, *, new: bool
) -> tuple[dict[str, Any], list[ValidationProblem]]:
    """The posted location form as a dict for LocationIn/LocationUpdate."""
    data: dict[str, Any] = {
        "name": one(values, "name"),
        "postcode": one(values, "postcode"),
        "gemeente_code": one(values, "gemeente_code"),
        "latitude": number(values, "latitude"),
        "longitude": number(values, "longitude"),
    }
    data |= {name: optional(values, name) for name in _LOCATION_TEXT}
    if new:
        data["organisation_id"] = optional(values, "organisation_id")
    return data, []


# --- care units ----------------------------------------------------------------------------


def unit_fields(session: Session, actor: Actor, *, new: bool) -> list[FormField]:
    """Inputs of the care-unit form: one bed count per bed type, features as checkboxes."""
    scoped = actor.scoped_organisation is not None
    locations = [
        (str(loc.id), loc.name if scoped else f"{loc.name} ({loc.organisation.name})")
        for loc in service.list_locations(session)
    ]
    fields = [
        FormField("location_id", "Location", "select", options=locations, required=True),
        FormField("name", "Name", required=True),
        FormField("phone", "Phone"),
        FormField("active", "Active", "checkbox"),
    ]
    fields += [
        FormField(f"beds_{b.code}", b.name, "number", help="Physical beds")
        for b in service.list_bed_types(session)
    ]
    features = [(f.code, f.name) for f in service.list_features(session)]
    fields.append(FormField("features", "Features", "multiselect", options=features))
    return fields


def unit_values(unit: CareUnit | None) -> dict[str, Any]:
    """Initial values of the care-unit form."""
    if unit is None:
        return {"active": True}
    values: dict[str, Any] = {
        "location_id": unit.location_id, "name": unit.name, "phone": unit.phone,
        "active": unit.active, "features": [f.code for f in unit.features],
    }
    values |= {f"beds_{b.bed_type_code}": b.physical_beds for b in unit.bed_types}
    return values


def unit_data(
    session: Session, actor: Actor, values: FormValues, *, new: bool
) -> tuple[dict[str, Any], list[ValidationProblem]]:
    """The posted care-unit form as a dict for CareUnitIn/CareUnitUpdate, and bed-count problems.

    Bed counts are checked here so each problem lands on its own input.
    """
    problems: list[ValidationProblem] = []
    beds: list[dict[str, Any]] = []
    for bed_type in service.list_bed_types(session):
        name = f"beds_{bed_type.code}"
        raw = optional(values, name)
        if raw is None:
            continue
        if not raw.isdigit() or int(raw) > MAX_BEDS:
            problems.append(ValidationProblem(name, "Must be a whole number from 0 to {le}.",
                                              le=MAX_BEDS))
        else:
            beds.append({"bed_type_code": bed_type.code, "physical_beds": int(raw)})
    data = {
        "location_id": optional(values, "location_id"),
        "name": one(values, "name"),
        "phone": optional(values, "phone"),
        "active": one(values, "active") == "true",
        "bed_types": beds,
        "features": values.get("features", []),
    }
    return data, problems


# --- district-nursing teams ----------------------------------------------------------------


def team_fields(session: Session, actor: Actor, *, new: bool) -> list[FormField]:
    """Inputs of the team form; service areas are typed one per line."""
    fields: list[FormField] = []
    if new and actor.scoped_organisation is None:
        fields.append(
            FormField("organisation_id", "Organisation", "select", options=_org_options(session),
                      required=True)
        )
    skills = [(s.code, s.name) for s in service.list_skills(session)]
    fields += [
        FormField("name", "Name", required=True),
        FormField("phone", "Phone"),
        FormField("email", "E-mail address", "email"),
        FormField("skills", "Skills", "multiselect", options=skills),
        FormField(
            "service_areas", "Service areas", "textarea",
            help="One per line: a postcode range like 2711-2729 or a neighbourhood like WK063701",
        ),
    ]
    return fields


def area_text(team: NursingTeam) -> str:
    """A team's service areas as the lines of the form's text area."""
    lines = [
        a.wijk_code if a.wijk_code else f"{a.postcode_from}-{a.postcode_to}"
        for a in team.service_areas
    ]
    return "\n".join(lines)


def team_values(team: NursingTeam | None) -> dict[str, Any]:
    """Initial values of the team form."""
    if team is None:
        return {}
    return {
        "name": team.name, "phone": team.phone, "email": team.email,
        "skills": [s.code for s in team.skills], "service_areas": area_text(team),
    }


def team_data(
    session: Session, actor: Actor, values: FormValues, *, new: bool
) -> tuple[dict[str, Any], list[ValidationProblem]]:
    """The posted team form as a dict for NursingTeamIn/NursingTeamUpdate, and area problems."""
    areas, bad = parse_service_areas(one(values, "service_areas")[:10_000])
    problems: list[ValidationProblem] = [
        ValidationProblem(
            "service_areas",
            "{value} is neither a postcode range like 2711-2729 nor a code like WK063701.",
            value=token,
        )
        for token in bad
    ]
    data: dict[str, Any] = {
        "name": one(values, "name"),
        "phone": optional(values, "phone"),
        "email": optional(values, "email"),
        "skills": values.get("skills", []),
        "service_areas": [a.model_dump(exclude_none=True) for a in areas],
    }
    if new:
        data["organisation_id"] = optional(values, "organisation_id")
    return data, problems
