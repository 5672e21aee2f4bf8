"""Registry service: organisations, locations and the reference lists (units and teams re-exported).

Services take a session bound to its actor and raise domain errors; they never commit. In an edit
session the scope filter hides other organisations' rows, so their ids are simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.scoping import scoped_get
from verkeerstoren.errors import NotFound, ValidationProblem
from verkeerstoren.registry.checks import (
    check_area,
    name_taken,
    organisation_for_new,
    raise_all,
    where_name,
)
from verkeerstoren.registry.models import (
    BedType,
    Feature,
    Gemeente,
    Location,
    Organisation,
    Skill,
    Wijk,
)
from verkeerstoren.registry.schemas import (
    LocationIn,
    LocationUpdate,
    OrganisationIn,
    OrganisationUpdate,
)
from verkeerstoren.registry.service_teams import (
    create_team,
    get_team,
    list_teams,
    update_team,
)
from verkeerstoren.registry.service_units import (
    create_unit,
    get_unit,
    list_units,
    update_unit,
)

__all__ = [
    "create_location",
    "create_organisation",
    "create_team",
    "create_unit",
    "get_gemeente",
    "get_location",
    "get_organisation",
    "get_team",
    "get_unit",
    "list_bed_types",
    "list_features",
    "list_gemeenten",
    "list_locations",
    "list_organisations",
    "list_skills",
    "list_teams",
    "list_units",
    "list_wijken",
    "update_location",
    "update_organisation",
    "update_team",
    "update_unit",
]

# --- organisations -------------------------------------------------------------------------


def list_organisations(session: Session, q: str | None = None) -> Sequence[Organisation]:
    """Organisations whose name contains q, by name."""
    statement = where_name(select(Organisation), Organisation.name, q)
    return session.scalars(statement.order_by(Organisation.name)).all()


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    """One organisation, or NotFound (also when the edit scope hides it)."""
    found = scoped_get(session, Organisation, organisation_id)
    if found is None:
        raise NotFound("Organisation", organisation_id)
    return found


def _check_org_name(session: Session, name: str, exclude_id: int | None = None) -> None:
    if name_taken(session, Organisation.name, name, id_column=Organisation.id,
                  exclude_id=exclude_id):
        raise ValidationProblem("name", "An organisation with this name already exists.")


def create_organisation(session: Session, actor: Actor, data: OrganisationIn) -> Organisation:
    """Add an organisation (routes require the organisation.create permission)."""
    _check_org_name(session, data.name)
    organisation = Organisation(**data.model_dump())
    session.add(organisation)
    session.flush()
    return organisation


def update_organisation(
    session: Session, actor: Actor, organisation_id: int, data: OrganisationUpdate
) -> Organisation:
    """Change the fields sent; only an unscoped actor (admin) may change the kind."""
    organisation = get_organisation(session, organisation_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "kind"):
        # null for a required column means "leave it", not "erase it"
        if changes.get(required, ...) is None:
            del changes[required]
    if "name" in changes:
        _check_org_name(session, changes["name"], exclude_id=organisation.id)
    if (
        "kind" in changes
        and changes["kind"] != organisation.kind
        and actor.scoped_organisation is not None
    ):
        raise ValidationProblem("kind",
                                "Only an administrator can change the kind of an organisation.")
    for key, value in changes.items():
        setattr(organisation, key, value)
    session.flush()
    return organisation


# --- locations -----------------------------------------------------------------------------


def list_locations(
    session: Session, q: str | None = None, organisation_id: int | None = None
) -> Sequence[Location]:
    """Locations whose name contains q, optionally of one organisation, by name."""
    statement = where_name(select(Location), Location.name, q)
    if organisation_id is not None:
        statement = statement.where(Location.organisation_id == organisation_id)
    return session.scalars(statement.order_by(Location.name, Location.id)).all()


def get_location(session: Session, location_id: int) -> Location:
    """One location, or NotFound (also when the edit scope hides it)."""
    found = scoped_get(session, Location, location_id)
    if found is None:
        raise NotFound("Location", location_id)
    return found


def _location_problems(
    session: Session,
    organisation_id: int,
    name: str,
    gemeente_code: str,
    wijk_code: str | None,
    exclude_id: int | None = None,
) -> list[ValidationProblem]:
    problems = check_area(session, gemeente_code, wijk_code)
    if name_taken(
        session,
        Location.name,
        name,
        same=[Location.organisation_id == organisation_id],
        id_column=Location.id,
        exclude_id=exclude_id,
    ):
        problems.append(ValidationProblem(
            "name", "This organisation already has a location with this name."))
    return problems


def create_location(session: Session, actor: Actor, data: LocationIn) -> Location:
    """Add a location; a provider's location belongs to its own organisation."""
    organisation_id = organisation_for_new(session, actor, data.organisation_id)
    raise_all(
        _location_problems(session, organisation_id, data.name, data.gemeente_code, data.wijk_code)
    )
    values = data.model_dump(exclude={"organisation_id"})
    location = Location(organisation_id=organisation_id, **values)
    session.add(location)
    session.flush()
    return location


def update_location(
    session: Session, actor: Actor, location_id: int, data: LocationUpdate
) -> Location:
    """Change the fields sent of a location the actor may edit."""
    location = get_location(session, location_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "postcode", "gemeente_code"):
        if changes.get(required, ...) is None:
            del changes[required]
    gemeente_code = changes.get("gemeente_code", location.gemeente_code)
    wijk_code = changes.get("wijk_code", location.wijk_code)
    raise_all(
        _location_problems(
            session,
            location.organisation_id,
            changes.get("name", location.name),
            gemeente_code,
            wijk_code,
            exclude_id=location.id,
        )
    )
    for key, value in changes.items():
        setattr(location, key, value)
    session.flush()
    return location


# --- reference lists -----------------------------------------------------------------------


def list_bed_types(session: Session) -> Sequence[BedType]:
    """Every bed type in display order."""
    return session.scalars(select(BedType).order_by(BedType.sort_order, BedType.code)).all()


def list_features(session: Session) -> Sequence[Feature]:
    """Every unit feature by code."""
    return session.scalars(select(Feature).order_by(Feature.code)).all()


def list_skills(session: Session) -> Sequence[Skill]:
    """Every district-nursing skill by code."""
    return session.scalars(select(Skill).order_by(Skill.code)).all()


def list_gemeenten(session: Session, q: str | None = None) -> Sequence[Gemeente]:
    """Municipalities whose name contains q, by name."""
    statement = where_name(select(Gemeente), Gemeente.name, q)
    return session.scalars(statement.order_by(Gemeente.name)).all()


def get_gemeente(session: Session, code: str) -> Gemeente:
    """One municipality by its CBS code, or NotFound."""
    found = session.get(Gemeente, code.strip().upper()[:6])
    if found is None:
        raise NotFound("Gemeente", code)
    return found


def list_wijken(session: Session, gemeente_code: str | None = None) -> Sequence[Wijk]:
    """Neighbourhoods, all or of one municipality, by code."""
    statement = select(Wijk)
    if gemeente_code is not None:
        statement = statement.where(Wijk.gemeente_code == gemeente_code)
    return session.scalars(statement.order_by(Wijk.code)).all()
