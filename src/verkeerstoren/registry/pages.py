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
from verkeerstoren.registry.entities import ENTITIES, EntitySpec
from verkeerstoren.registry.fields import MAX_ID
from verkeerstoren.registry.forms import FormValues, collect
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.forms import FormField
from verkeerstoren.web.problems import problem_text
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)

NAV = [
    NavItem("Registry", "/registry/organisations", Permission.REGISTRY_VIEW),
    NavItem("Import", "/registry/import", Permission.REGISTRY_IMPORT),
]

ViewCtx = Annotated[Ctx, view(Permission.REGISTRY_VIEW)]
# The generic entity views are built in a loop, where a permission is a variable: they take
# their context as a default (``ctx: Ctx = _VIEW``), which FastAPI reads the same way.
_VIEW = view(Permission.REGISTRY_VIEW)
_EDIT = edit(Permission.REGISTRY_EDIT)
ImportCtx = Annotated[Ctx, edit(Permission.REGISTRY_IMPORT)]
Tpl = Annotated[Templates, Depends(templates)]
Search = Annotated[str | None, Query(max_length=200)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]

IMPORT_KINDS = [
    ("units", "Care units with their locations and organisations"),
    ("teams", "District-nursing teams"),
]

TABS = [*((spec.title, spec.path) for spec in ENTITIES), ("Areas", "/registry/areas")]


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


# --- the four entities: one set of generic views per spec (entities.py) -----------------


def _rows(ctx: Ctx, spec: EntitySpec, q: str | None) -> list[dict[str, Any]]:
    return [
        {"cells": row.cells,
         "href": f"{spec.path}/{row.item_id}/edit" if _may_edit(ctx, row.owner_id) else None}
        for row in spec.rows(ctx.session, ctx._, q)
    ]


def _save_entity(
    request: Request, ctx: Ctx, tpl: Templates, spec: EntitySpec, values: FormValues,
    item_id: int | None,
) -> Response:
    """Check and save a posted form (new when ``item_id`` is None)."""
    new = item_id is None
    if item_id is not None:
        spec.get(ctx.session, item_id)  # out of scope or gone: not found, before any parsing
    data, problems = spec.data(ctx.session, ctx.user, values, new=new)

    def action() -> object:
        if item_id is None:
            return spec.create(ctx.session, ctx.user, data)
        return spec.update(ctx.session, ctx.user, item_id, data)

    return _save(
        request, ctx, tpl, title=spec.new_title if new else spec.edit_title, back=spec.path,
        fields=spec.fields(ctx.session, ctx.user, new=new), values=values, pre=problems,
        action=action,
    )


def _add_entity_routes(spec: EntitySpec) -> None:
    """Register list, new, create, edit and update for one entity."""
    create_ctx = edit(spec.create_permission)
    item = spec.path + "/{item_id}/edit"

    def listing(request: Request, tpl: Tpl, q: Search = None, ctx: Ctx = _VIEW) -> HTMLResponse:
        create = f"{spec.path}/new" if ctx.user.can(spec.create_permission) else None
        return _list(request, ctx, tpl, spec.title, list(spec.columns), _rows(ctx, spec, q), q,
                     create)

    def new(request: Request, tpl: Tpl, ctx: Ctx = create_ctx) -> HTMLResponse:
        return _form_page(request, ctx, tpl, title=spec.new_title, back=spec.path,
                          fields=spec.fields(ctx.session, ctx.user, new=True),
                          values=spec.values(None))

    async def create(request: Request, tpl: Tpl, ctx: Ctx = create_ctx) -> Response:
        values = await _form(request)
        return await run_in_threadpool(_save_entity, request, ctx, tpl, spec, values, None)

    def edit_form(request: Request, tpl: Tpl, item_id: ItemId,
                  ctx: Ctx = _EDIT) -> HTMLResponse:
        entity = spec.get(ctx.session, item_id)
        return _form_page(request, ctx, tpl, title=spec.edit_title, back=spec.path,
                          fields=spec.fields(ctx.session, ctx.user, new=False),
                          values=spec.values(entity))

    async def update(request: Request, tpl: Tpl, item_id: ItemId, ctx: Ctx = _EDIT) -> Response:
        values = await _form(request)
        return await run_in_threadpool(_save_entity, request, ctx, tpl, spec, values, item_id)

    router.add_api_route(spec.path, listing, methods=["GET"], response_class=HTMLResponse,
                         summary=f"{spec.title} list")
    router.add_api_route(spec.path + "/new", new, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(spec.path + "/new", create, methods=["POST"], response_model=None)
    router.add_api_route(item, edit_form, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(item, update, methods=["POST"], response_model=None)


for _spec in ENTITIES:
    _add_entity_routes(_spec)


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
