"""Server-rendered registry pages: lists, forms, areas and the CSV import.

Form posts are ``async`` only to read the form; the database work runs in the threadpool like
every sync route. Saves run in a savepoint so a refused save leaves nothing half-done behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.registry import forms, importer, service
from verkeerstoren.registry.fields import MAX_ID
from verkeerstoren.registry.forms import FormField, FormValues, collect
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
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.problems import problem_text
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)

NAV = [
    NavItem("Registry", "/registry/organisations", Permission.REGISTRY_VIEW),
    NavItem("Import", "/registry/import", Permission.REGISTRY_IMPORT),
]

ViewCtx = Annotated[Ctx, view(Permission.REGISTRY_VIEW)]
EditCtx = Annotated[Ctx, edit(Permission.REGISTRY_EDIT)]
CreateOrgCtx = Annotated[Ctx, edit(Permission.ORGANISATION_CREATE)]
ImportCtx = Annotated[Ctx, edit(Permission.REGISTRY_IMPORT)]
Tpl = Annotated[Templates, Depends(templates)]
Search = Annotated[str | None, Query(max_length=200)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]

IMPORT_KINDS = [
    ("units", "Care units with their locations and organisations"),
    ("teams", "District-nursing teams"),
]

TABS = [
    ("Organisations", "/registry/organisations"),
    ("Locations", "/registry/locations"),
    ("Care units", "/registry/units"),
    ("District-nursing teams", "/registry/teams"),
    ("Areas", "/registry/areas"),
]


async def _form(request: Request) -> FormValues:
    values: FormValues = {}
    async with request.form() as form:  # closes any uploaded file parts
        for key, value in form.multi_items():
            if isinstance(value, str):
                values.setdefault(key, []).append(value)
    return values


def _message(ctx: Ctx, problem: ValidationProblem) -> str:
    return problem_text(ctx._, problem)


def _may_edit(ctx: Ctx, organisation_id: int) -> bool:
    actor = ctx.user
    scoped = actor.scoped_organisation
    return actor.can(Permission.REGISTRY_EDIT) and scoped in (None, organisation_id)


def _list(
    request: Request, ctx: Ctx, tpl: Templates, title: str, columns: list[str],
    rows: list[dict[str, Any]], q: str | None, create_href: str | None,
) -> HTMLResponse:
    tabs = [tab for tab in TABS if tab[1] != request.url.path]
    if ctx.user.can(Permission.REGISTRY_IMPORT):
        tabs.append(("Import", "/registry/import"))
    return tpl.render(
        request, ctx, "list.html", title=title, columns=columns, rows=rows, q=q,
        create_href=create_href, extra_links=tabs,
    )


def _form_page(
    request: Request, ctx: Ctx, tpl: Templates, *, title: str, back: str,
    fields: list[FormField], values: dict[str, Any],
    problems: list[ValidationProblem] | None = None,
) -> HTMLResponse:
    errors: dict[str, str] = {}
    general: list[str] = []
    names = {f.name for f in fields}
    for problem in problems or []:
        text = _message(ctx, problem)
        if problem.field in names:
            errors.setdefault(problem.field, text)
        else:
            general.append(text)
    return tpl.render(
        request, ctx, "registry/form.html", status_code=422 if problems else 200, title=title,
        back=back, fields=fields, values=values, errors=errors, general_errors=general,
    )


def _save(
    request: Request, ctx: Ctx, tpl: Templates, *, title: str, back: str,
    fields: list[FormField], values: FormValues, action: Callable[[], Any],
    pre: list[ValidationProblem] | None = None,
) -> Response:
    """Run a save in a savepoint; redirect to the list, or show the form with its problems."""
    problems = list(pre or [])
    if not problems:
        savepoint = ctx.session.begin_nested()
        problems = collect(action)
        if problems:
            savepoint.rollback()
        else:
            savepoint.commit()
    if not problems:
        return RedirectResponse(back, status_code=303)
    shown: dict[str, Any] = {
        f.name: values.get(f.name, []) if f.kind == "multiselect" else forms.one(values, f.name)
        for f in fields
    }
    return _form_page(request, ctx, tpl, title=title, back=back, fields=fields, values=shown,
                      problems=problems)


# --- organisations -------------------------------------------------------------------------

ORGS = "/registry/organisations"


@router.get(ORGS, response_class=HTMLResponse)
def organisations(request: Request, ctx: ViewCtx, tpl: Tpl, q: Search = None) -> HTMLResponse:
    """Every organisation; edit links for the ones the actor may change."""
    rows = [
        {
            "cells": [o.name, ctx._(forms.KIND_LABELS[o.kind]), o.agb_code, o.email, o.phone],
            "href": f"{ORGS}/{o.id}/edit" if _may_edit(ctx, o.id) else None,
        }
        for o in service.list_organisations(ctx.session, q)
    ]
    create = f"{ORGS}/new" if ctx.user.can(Permission.ORGANISATION_CREATE) else None
    columns = ["Name", "Kind", "AGB code", "E-mail address", "Phone"]
    return _list(request, ctx, tpl, "Organisations", columns, rows, q, create)


@router.get(ORGS + "/new", response_class=HTMLResponse)
def new_organisation(request: Request, ctx: CreateOrgCtx, tpl: Tpl) -> HTMLResponse:
    """Form for a new organisation."""
    return _form_page(request, ctx, tpl, title="New organisation", back=ORGS,
                      fields=forms.organisation_fields(ctx.user),
                      values=forms.organisation_values(None))


@router.post(ORGS + "/new", response_model=None)
async def create_organisation(request: Request, ctx: CreateOrgCtx, tpl: Tpl) -> Response:
    """Save a new organisation."""
    values = await _form(request)

    def run() -> Response:
        data = forms.organisation_data(values, ctx.user)
        return _save(
            request, ctx, tpl, title="New organisation", back=ORGS,
            fields=forms.organisation_fields(ctx.user), values=values,
            action=lambda: service.create_organisation(
                ctx.session, ctx.user, OrganisationIn.model_validate(data)),
        )

    return await run_in_threadpool(run)


@router.get(ORGS + "/{organisation_id}/edit", response_class=HTMLResponse)
def edit_organisation(
    request: Request, ctx: EditCtx, tpl: Tpl, organisation_id: ItemId
) -> HTMLResponse:
    """Form for an organisation the actor may change (others are not found)."""
    org = service.get_organisation(ctx.session, organisation_id)
    return _form_page(request, ctx, tpl, title="Edit organisation", back=ORGS,
                      fields=forms.organisation_fields(ctx.user),
                      values=forms.organisation_values(org))


@router.post(ORGS + "/{organisation_id}/edit", response_model=None)
async def update_organisation(
    request: Request, ctx: EditCtx, tpl: Tpl, organisation_id: ItemId
) -> Response:
    """Save an organisation."""
    values = await _form(request)

    def run() -> Response:
        service.get_organisation(ctx.session, organisation_id)
        data = forms.organisation_data(values, ctx.user)
        return _save(
            request, ctx, tpl, title="Edit organisation", back=ORGS,
            fields=forms.organisation_fields(ctx.user), values=values,
            action=lambda: service.update_organisation(
                ctx.session, ctx.user, organisation_id, OrganisationUpdate.model_validate(data)),
        )

    return await run_in_threadpool(run)


# --- locations -----------------------------------------------------------------------------

LOCS = "/registry/locations"


@router.get(LOCS, response_class=HTMLResponse)
def locations(request: Request, ctx: ViewCtx, tpl: Tpl, q: Search = None) -> HTMLResponse:
    """Every location; edit links for the actor's own."""
    rows = [
        {
            "cells": [loc.name, loc.organisation.name, loc.postcode, loc.city,
                      loc.gemeente.name],
            "href": f"{LOCS}/{loc.id}/edit" if _may_edit(ctx, loc.organisation_id) else None,
        }
        for loc in service.list_locations(ctx.session, q)
    ]
    create = f"{LOCS}/new" if ctx.user.can(Permission.REGISTRY_EDIT) else None
    columns = ["Name", "Organisation", "Postcode", "City", "Municipality"]
    return _list(request, ctx, tpl, "Locations", columns, rows, q, create)


@router.get(LOCS + "/new", response_class=HTMLResponse)
def new_location(request: Request, ctx: EditCtx, tpl: Tpl) -> HTMLResponse:
    """Form for a new location."""
    return _form_page(request, ctx, tpl, title="New location", back=LOCS,
                      fields=forms.location_fields(ctx.session, ctx.user, new=True),
                      values=forms.location_values(None))


@router.post(LOCS + "/new", response_model=None)
async def create_location(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Save a new location."""
    values = await _form(request)

    def run() -> Response:
        data = forms.location_data(values, new=True)
        return _save(
            request, ctx, tpl, title="New location", back=LOCS,
            fields=forms.location_fields(ctx.session, ctx.user, new=True), values=values,
            action=lambda: service.create_location(
                ctx.session, ctx.user, LocationIn.model_validate(data)),
        )

    return await run_in_threadpool(run)


@router.get(LOCS + "/{location_id}/edit", response_class=HTMLResponse)
def edit_location(request: Request, ctx: EditCtx, tpl: Tpl, location_id: ItemId) -> HTMLResponse:
    """Form for a location of the actor's organisation."""
    location = service.get_location(ctx.session, location_id)
    return _form_page(request, ctx, tpl, title="Edit location", back=LOCS,
                      fields=forms.location_fields(ctx.session, ctx.user, new=False),
                      values=forms.location_values(location))


@router.post(LOCS + "/{location_id}/edit", response_model=None)
async def update_location(
    request: Request, ctx: EditCtx, tpl: Tpl, location_id: ItemId
) -> Response:
    """Save a location."""
    values = await _form(request)

    def run() -> Response:
        service.get_location(ctx.session, location_id)
        data = forms.location_data(values, new=False)
        return _save(
            request, ctx, tpl, title="Edit location", back=LOCS,
            fields=forms.location_fields(ctx.session, ctx.user, new=False), values=values,
            action=lambda: service.update_location(
                ctx.session, ctx.user, location_id, LocationUpdate.model_validate(data)),
        )

    return await run_in_threadpool(run)


# --- care units ----------------------------------------------------------------------------

UNITS = "/registry/units"


@router.get(UNITS, response_class=HTMLResponse)
def units(request: Request, ctx: ViewCtx, tpl: Tpl, q: Search = None) -> HTMLResponse:
    """Every care unit with its beds; edit links for the actor's own."""
    rows = [
        {
            "cells": [
                u.name, u.location.name, u.organisation.name,
                ", ".join(f"{b.bed_type.name}: {b.physical_beds}" for b in u.bed_types),
                ", ".join(f.name for f in u.features),
                ctx._("yes") if u.active else ctx._("no"),
            ],
            "href": f"{UNITS}/{u.id}/edit" if _may_edit(ctx, u.organisation_id) else None,
        }
        for u in service.list_units(ctx.session, q)
    ]
    create = f"{UNITS}/new" if ctx.user.can(Permission.REGISTRY_EDIT) else None
    columns = ["Name", "Location", "Organisation", "Beds", "Features", "Active"]
    return _list(request, ctx, tpl, "Care units", columns, rows, q, create)


@router.get(UNITS + "/new", response_class=HTMLResponse)
def new_unit(request: Request, ctx: EditCtx, tpl: Tpl) -> HTMLResponse:
    """Form for a new care unit."""
    return _form_page(request, ctx, tpl, title="New care unit", back=UNITS,
                      fields=forms.unit_fields(ctx.session, ctx.user),
                      values=forms.unit_values(None))


@router.post(UNITS + "/new", response_model=None)
async def create_unit(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Save a new care unit."""
    values = await _form(request)

    def run() -> Response:
        data, problems = forms.unit_data(ctx.session, values)
        return _save(
            request, ctx, tpl, title="New care unit", back=UNITS,
            fields=forms.unit_fields(ctx.session, ctx.user), values=values, pre=problems,
            action=lambda: service.create_unit(
                ctx.session, ctx.user, CareUnitIn.model_validate(data)),
        )

    return await run_in_threadpool(run)


@router.get(UNITS + "/{unit_id}/edit", response_class=HTMLResponse)
def edit_unit(request: Request, ctx: EditCtx, tpl: Tpl, unit_id: ItemId) -> HTMLResponse:
    """Form for a care unit of the actor's organisation."""
    unit = service.get_unit(ctx.session, unit_id)
    return _form_page(request, ctx, tpl, title="Edit care unit", back=UNITS,
                      fields=forms.unit_fields(ctx.session, ctx.user),
                      values=forms.unit_values(unit))


@router.post(UNITS + "/{unit_id}/edit", response_model=None)
async def update_unit(request: Request, ctx: EditCtx, tpl: Tpl, unit_id: ItemId) -> Response:
    """Save a care unit."""
    values = await _form(request)

    def run() -> Response:
        service.get_unit(ctx.session, unit_id)
        data, problems = forms.unit_data(ctx.session, values)
        return _save(
            request, ctx, tpl, title="Edit care unit", back=UNITS,
            fields=forms.unit_fields(ctx.session, ctx.user), values=values, pre=problems,
            action=lambda: service.update_unit(
                ctx.session, ctx.user, unit_id, CareUnitUpdate.model_validate(data)),
        )

    return await run_in_threadpool(run)


# --- district-nursing teams ----------------------------------------------------------------

TEAMS = "/registry/teams"


@router.get(TEAMS, response_class=HTMLResponse)
def teams(request: Request, ctx: ViewCtx, tpl: Tpl, q: Search = None) -> HTMLResponse:
    """Every district-nursing team; edit links for the actor's own."""
    rows = [
        {
            "cells": [
                t.name, t.organisation.name, ", ".join(s.name for s in t.skills),
                forms.area_text(t).replace("\n", ", "),
            ],
            "href": f"{TEAMS}/{t.id}/edit" if _may_edit(ctx, t.organisation_id) else None,
        }
        for t in service.list_teams(ctx.session, q)
    ]
    create = f"{TEAMS}/new" if ctx.user.can(Permission.REGISTRY_EDIT) else None
    columns = ["Name", "Organisation", "Skills", "Service areas"]
    return _list(request, ctx, tpl, "District-nursing teams", columns, rows, q, create)


@router.get(TEAMS + "/new", response_class=HTMLResponse)
def new_team(request: Request, ctx: EditCtx, tpl: Tpl) -> HTMLResponse:
    """Form for a new team."""
    return _form_page(request, ctx, tpl, title="New district-nursing team", back=TEAMS,
                      fields=forms.team_fields(ctx.session, ctx.user, new=True),
                      values=forms.team_values(None))


@router.post(TEAMS + "/new", response_model=None)
async def create_team(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Save a new team."""
    values = await _form(request)

    def run() -> Response:
        data, problems = forms.team_data(values, new=True)
        return _save(
            request, ctx, tpl, title="New district-nursing team", back=TEAMS,
            fields=forms.team_fields(ctx.session, ctx.user, new=True), values=values,
            pre=problems,
            action=lambda: service.create_team(
                ctx.session, ctx.user, NursingTeamIn.model_validate(data)),
        )

    return await run_in_threadpool(run)


@router.get(TEAMS + "/{team_id}/edit", response_class=HTMLResponse)
def edit_team(request: Request, ctx: EditCtx, tpl: Tpl, team_id: ItemId) -> HTMLResponse:
    """Form for a team of the actor's organisation."""
    team = service.get_team(ctx.session, team_id)
    return _form_page(request, ctx, tpl, title="Edit district-nursing team", back=TEAMS,
                      fields=forms.team_fields(ctx.session, ctx.user, new=False),
                      values=forms.team_values(team))


@router.post(TEAMS + "/{team_id}/edit", response_model=None)
async def update_team(request: Request, ctx: EditCtx, tpl: Tpl, team_id: ItemId) -> Response:
    """Save a team."""
    values = await _form(request)

    def run() -> Response:
        service.get_team(ctx.session, team_id)
        data, problems = forms.team_data(values, new=False)
        return _save(
            request, ctx, tpl, title="Edit district-nursing team", back=TEAMS,
            fields=forms.team_fields(ctx.session, ctx.user, new=False), values=values,
            pre=problems,
            action=lambda: service.update_team(
                ctx.session, ctx.user, team_id, NursingTeamUpdate.model_validate(data)),
        )

    return await run_in_threadpool(run)


# --- areas and import ----------------------------------------------------------------------


@router.get("/registry/areas", response_class=HTMLResponse)
def areas(request: Request, ctx: ViewCtx, tpl: Tpl) -> HTMLResponse:
    """Municipalities with their population and neighbourhoods."""
    wijken: dict[str, list[Any]] = {}
    for wijk in service.list_wijken(ctx.session):
        wijken.setdefault(wijk.gemeente_code, []).append(wijk)
    gemeenten = service.list_gemeenten(ctx.session)
    return tpl.render(request, ctx, "registry/areas.html", gemeenten=gemeenten, wijken=wijken,
                      tabs=TABS)


@router.get("/registry/import", response_class=HTMLResponse)
def import_form(request: Request, ctx: ImportCtx, tpl: Tpl) -> HTMLResponse:
    """Upload form for a registry CSV file."""
    return tpl.render(request, ctx, "registry/import.html", kinds=IMPORT_KINDS, kind="units",
                      problems=[], summary=None)


@router.get("/registry/import/template/{kind}.csv")
def import_template(ctx: ImportCtx, kind: importer.Kind) -> Response:
    """An example CSV file of this kind (UTF-8 with BOM, so Excel shows accents)."""
    return Response(
        "\ufeff" + importer.template_csv(kind),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="verkeerstoren-{kind}.csv"'},
    )


@router.post("/registry/import", response_class=HTMLResponse)
async def import_upload(request: Request, ctx: ImportCtx, tpl: Tpl) -> HTMLResponse:
    """Import an uploaded file; show every row problem, or what was created and updated."""
    async with request.form() as form:  # closes the spooled upload when done
        kind: importer.Kind = "teams" if form.get("kind") == "teams" else "units"
        upload = form.get("file")
        data = b""
        if isinstance(upload, UploadFile):
            data = await upload.read(importer.MAX_BYTES + 1)

    def run() -> HTMLResponse:
        problems: list[dict[str, Any]] = []
        summary = None
        try:
            with ctx.session.begin_nested():
                if not data:
                    raise ValidationErrors([ValidationProblem("file", "Choose a file to upload.")])
                summary = importer.import_csv(ctx.session, kind, data)
        except ValidationErrors as errors:
            problems = [
                {"row": p.row, "field": p.field, "message": _message(ctx, p)}
                for p in errors.problems
            ]
        return tpl.render(
            request, ctx, "registry/import.html", status_code=422 if problems else 200,
            kinds=IMPORT_KINDS, kind=kind, problems=problems, summary=summary,
        )

    return await run_in_threadpool(run)
