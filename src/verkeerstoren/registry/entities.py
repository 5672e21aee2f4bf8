"""The registry's entities as specs for the generic list and form views of ``pages.py``.

Each entity — organisation, location, care unit, district-nursing team — is one ``EntitySpec``:
where it lives, what its list shows, which form it has and which service calls load, create and
update it. ``pages.py`` turns every spec into the same five routes (list, new, create, edit,
update), so a fifth entity is a fifth spec, not five more routes (netbox's generic object views
are the model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.registry import forms, service
from verkeerstoren.registry.forms import FormValues
from verkeerstoren.registry.schemas import (
    CareUnitIn,
    CareUnitUpdate,
    LocationIn,
    LocationUpdate,
    NursingTeamIn,
    NursingTeamUpdate,
    OrganisationIn,
    OrganisationUpdate,
)
from verkeerstoren.web.forms import FormField

Translate = Callable[[str], str]


@dataclass(frozen=True)
class ListRow:
    """One row of an entity list: its cells and the organisation that may edit it."""

    cells: list[str]
    owner_id: int
    item_id: int


class Fields(Protocol):
    def __call__(self, session: Session, actor: Actor, *, new: bool) -> list[FormField]: ...


class Data(Protocol):
    def __call__(
        self, session: Session, actor: Actor, values: FormValues, *, new: bool
    ) -> tuple[dict[str, Any], list[ValidationProblem]]: ...


@dataclass(frozen=True)
class EntitySpec:
    """What the generic views need to know of one registry entity (titles are msgids)."""

    path: str
    title: str
    new_title: str
    edit_title: str
    columns: Sequence[str]
    # Creating an organisation is an administrator's act; the other entities are created by
    # whoever may edit the registry (within their own organisation).
    create_permission: Permission
    rows: Callable[[Session, Translate, str | None], list[ListRow]]
    fields: Fields
    values: Callable[[Any], dict[str, Any]]  # the loaded entity, or None for a new one
    data: Data
    get: Callable[[Session, int], object]  # raises NotFound outside the actor's scope
    create: Callable[[Session, Actor, dict[str, Any]], object]
    update: Callable[[Session, Actor, int, dict[str, Any]], object]


def _organisation_rows(session: Session, _: Translate, q: str | None) -> list[ListRow]:
    return [
        ListRow([o.name, _(forms.KIND_LABELS[o.kind]), o.agb_code or "", o.email or "",
                 o.phone or ""], o.id, o.id)
        for o in service.list_organisations(session, q)
    ]


def _location_rows(session: Session, _: Translate, q: str | None) -> list[ListRow]:
    return [
        ListRow([loc.name, loc.organisation.name, loc.postcode, loc.city or "",
                 loc.gemeente.name], loc.organisation_id, loc.id)
        for loc in service.list_locations(session, q)
    ]


def _unit_rows(session: Session, _: Translate, q: str | None) -> list[ListRow]:
    return [
        ListRow([
            u.name, u.location.name, u.organisation.name,
            ", ".join(f"{b.bed_type.name}: {b.physical_beds}" for b in u.bed_types),
            ", ".join(f.name for f in u.features),
            _("yes") if u.active else _("no"),
        ], u.organisation_id, u.id)
        for u in service.list_units(session, q)
    ]


def _team_rows(session: Session, _: Translate, q: str | None) -> list[ListRow]:
    return [
        ListRow([
            t.name, t.organisation.name, ", ".join(s.name for s in t.skills),
            forms.area_text(t).replace("\n", ", "),
        ], t.organisation_id, t.id)
        for t in service.list_teams(session, q)
    ]


ORGANISATIONS = EntitySpec(
    path="/registry/organisations",
    title="Organisations", new_title="New organisation", edit_title="Edit organisation",
    columns=["Name", "Kind", "AGB code", "E-mail address", "Phone"],
    create_permission=Permission.ORGANISATION_CREATE,
    rows=_organisation_rows,
    fields=forms.organisation_fields, values=forms.organisation_values,
    data=forms.organisation_data,
    get=service.get_organisation,
    create=lambda s, actor, d: service.create_organisation(
        s, actor, OrganisationIn.model_validate(d)),
    update=lambda s, actor, item_id, d: service.update_organisation(
        s, actor, item_id, OrganisationUpdate.model_validate(d)),
)

LOCATIONS = EntitySpec(
    path="/registry/locations",
    title="Locations", new_title="New location", edit_title="Edit location",
    columns=["Name", "Organisation", "Postcode", "City", "Municipality"],
    create_permission=Permission.REGISTRY_EDIT,
    rows=_location_rows,
    fields=forms.location_fields, values=forms.location_values, data=forms.location_data,
    get=service.get_location,
    create=lambda s, actor, d: service.create_location(s, actor, LocationIn.model_validate(d)),
    update=lambda s, actor, item_id, d: service.update_location(
        s, actor, item_id, LocationUpdate.model_validate(d)),
)

UNITS = EntitySpec(
    path="/registry/units",
    title="Care units", new_title="New care unit", edit_title="Edit care unit",
    columns=["Name", "Location", "Organisation", "Beds", "Features", "Active"],
    create_permission=Permission.REGISTRY_EDIT,
    rows=_unit_rows,
    fields=forms.unit_fields, values=forms.unit_values, data=forms.unit_data,
    get=service.get_unit,
    create=lambda s, actor, d: service.create_unit(s, actor, CareUnitIn.model_validate(d)),
    update=lambda s, actor, item_id, d: service.update_unit(
        s, actor, item_id, CareUnitUpdate.model_validate(d)),
)

TEAMS = EntitySpec(
    path="/registry/teams",
    title="District-nursing teams", new_title="New district-nursing team",
    edit_title="Edit district-nursing team",
    columns=["Name", "Organisation", "Skills", "Service areas"],
    create_permission=Permission.REGISTRY_EDIT,
    rows=_team_rows,
    fields=forms.team_fields, values=forms.team_values, data=forms.team_data,
    get=service.get_team,
    create=lambda s, actor, d: service.create_team(s, actor, NursingTeamIn.model_validate(d)),
    update=lambda s, actor, item_id, d: service.update_team(
        s, actor, item_id, NursingTeamUpdate.model_validate(d)),
)

ENTITIES: tuple[EntitySpec, ...] = (ORGANISATIONS, LOCATIONS, UNITS, TEAMS)
