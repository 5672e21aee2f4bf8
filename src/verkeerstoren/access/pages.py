"""Administration pages for users and API tokens."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from verkeerstoren.access import service
from verkeerstoren.access.models import ApiToken, User
from verkeerstoren.access.roles import Permission, Role
from verkeerstoren.access.scoping import scoped_get
from verkeerstoren.errors import NotFound, ValidationProblem
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.registry.models import Organisation
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.forms import FormField, form_values
from verkeerstoren.web.problems import problem_text
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [
    NavItem("Users", "/admin/users", Permission.USERS_MANAGE),
    NavItem("API tokens", "/admin/tokens", Permission.TOKENS_MANAGE),
]

TemplatesDep = Annotated[Templates, Depends(templates)]
UsersCtx = Annotated[Ctx, view(Permission.USERS_MANAGE)]
UsersEditCtx = Annotated[Ctx, edit(Permission.USERS_MANAGE)]
TokensCtx = Annotated[Ctx, view(Permission.TOKENS_MANAGE)]
TokensEditCtx = Annotated[Ctx, edit(Permission.TOKENS_MANAGE)]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _role_options() -> list[tuple[str, str]]:
    return [(r.value, f"role.{r.value}") for r in Role]


def _org_options(ctx: Ctx) -> list[tuple[str, str]]:
    orgs = ctx.session.scalars(select(Organisation).order_by(Organisation.name))
    return [(str(o.id), o.name) for o in orgs]


def _user_fields(ctx: Ctx) -> list[FormField]:
    return [
        FormField("email", "E-mail address", "email", required=True),
        FormField("name", "Name", required=True),
        FormField("password", "Password", "password", required=True,
                  help="At least 10 characters."),
        FormField("role", "Role", "select", options=_role_options(), required=True),
        FormField("organisation_id", "Organisation", "select", options=_org_options(ctx),
                  required=True),
    ]


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, ctx: UsersCtx, tpl: TemplatesDep) -> HTMLResponse:
    rows = [
        {"cells": [u.email, u.name, ctx._(f"role.{u.role.value}"), u.organisation.name,
                   ctx._("yes") if u.active else ctx._("no")], "href": f"/admin/users/{u.id}"}
        for u in ctx.session.scalars(select(User).order_by(User.email))
    ]
    return tpl.render(request, ctx, "list.html", title="Users",
                      columns=["E-mail address", "Name", "Role", "Organisation", "Active"],
                      rows=rows, create_href="/admin/users/new", q=None)


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user(request: Request, ctx: UsersEditCtx, tpl: TemplatesDep) -> HTMLResponse:
    return tpl.render(request, ctx, "form.html", title="New user", back="/admin/users",
                      fields=_user_fields(ctx), values={}, errors={})


def _save_user(request: Request, ctx: Ctx, tpl: Templates, values: dict[str, str]) -> Response:
    try:
        role = Role(values.get("role", ""))
    except ValueError:
        role = None
    try:
        if role is None:
            raise ValidationProblem("role", "Choose a role.")
        org = values.get("organisation_id", "")
        if not org.isdigit():
            raise ValidationProblem("organisation_id", "Choose an organisation.")
        service.create_user(ctx.session, email=values.get("email", ""),
                            name=values.get("name", ""), password=values.get("password", ""),
                            role=role, organisation_id=int(org))
    except ValidationProblem as problem:
        values.pop("password", None)
        return tpl.render(request, ctx, "form.html", status_code=422, title="New user",
                          back="/admin/users", fields=_user_fields(ctx), values=values,
                          errors={problem.field: problem_text(ctx._, problem)})
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/new", response_model=None)
async def create_user(request: Request, ctx: UsersEditCtx, tpl: TemplatesDep) -> Response:
    values = await form_values(request)
    return await run_in_threadpool(_save_user, request, ctx, tpl, values)


def _edit_fields(ctx: Ctx) -> list[FormField]:
    return [
        FormField("name", "Name", required=True),
        FormField("role", "Role", "select", options=_role_options(), required=True),
        FormField("organisation_id", "Organisation", "select", options=_org_options(ctx),
                  required=True),
        FormField("active", "May log in", "checkbox",
                  help="Switched off: the user is logged out everywhere and cannot log in."),
    ]


def _user_page(request: Request, ctx: Ctx, tpl: Templates, user: User, *,
               values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200, saved: str | None = None) -> HTMLResponse:
    if values is None:
        values = {"name": user.name, "role": user.role.value,
                  "organisation_id": str(user.organisation_id),
                  "active": "true" if user.active else ""}
    return tpl.render(request, ctx, "access/user.html", status_code=status_code, user=user,
                      fields=_edit_fields(ctx), values=values, errors=errors or {},
                      saved=saved)


def _user_or_404(ctx: Ctx, user_id: int) -> User:
    user = scoped_get(ctx.session, User, user_id)
    if user is None:
        raise NotFound("user", str(user_id))
    return user


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, ctx: UsersCtx, tpl: TemplatesDep, user_id: UserId) -> HTMLResponse:
    """One user: name, role, organisation, may log in; and a new password."""
    saved = request.query_params.get("saved")
    return _user_page(request, ctx, tpl, _user_or_404(ctx, user_id),
                      saved=saved if saved in ("user", "password") else None)


def _update_user(request: Request, ctx: Ctx, tpl: Templates, user_id: int,
                 values: dict[str, str]) -> Response:
    user = _user_or_404(ctx, user_id)
    try:
        try:
            role = Role(values.get("role", ""))
        except ValueError:
            raise ValidationProblem("role", "Choose a role.") from None
        org = values.get("organisation_id", "")
        if not org.isdigit():
            raise ValidationProblem("organisation_id", "Choose an organisation.")
        # update_user checks everything before it changes anything: nothing to roll back.
        service.update_user(ctx.session, user.id, by=ctx.user, name=values.get("name", ""),
                            role=role, organisation_id=int(org),
                            active=values.get("active") in ("true", "on"))
    except ValidationProblem as problem:
        return _user_page(request, ctx, tpl, user, values=values, status_code=422,
                          errors={problem.field: problem_text(ctx._, problem)})
    return RedirectResponse(f"/admin/users/{user.id}?saved=user", status_code=303)


@router.post("/admin/users/{user_id}", response_model=None)
async def update_user(request: Request, ctx: UsersEditCtx, tpl: TemplatesDep,
                      user_id: UserId) -> Response:
    values = await form_values(request)
    return await run_in_threadpool(_update_user, request, ctx, tpl, user_id, values)


def _reset_password(request: Request, ctx: Ctx, tpl: Templates, user_id: int,
                    password: str) -> Response:
    user = _user_or_404(ctx, user_id)
    try:
        service.reset_password(ctx.session, user.id, password)
    except ValidationProblem as problem:
        return _user_page(request, ctx, tpl, user, status_code=422,
                          errors={"password": problem_text(ctx._, problem)})
    return RedirectResponse(f"/admin/users/{user.id}?saved=password", status_code=303)


@router.post("/admin/users/{user_id}/password", response_model=None)
async def reset_password(request: Request, ctx: UsersEditCtx, tpl: TemplatesDep,
                         user_id: UserId) -> Response:
    values = await form_values(request)
    return await run_in_threadpool(_reset_password, request, ctx, tpl, user_id,
                                   values.get("password", ""))


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens(request: Request, ctx: TokensCtx, tpl: TemplatesDep) -> HTMLResponse:
    items = list(ctx.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
    return tpl.render(request, ctx, "access/tokens.html", tokens=items, secret=None,
                      roles=_role_options(), organisations=_org_options(ctx), error=None,
                      now=utcnow())


def _expiry(value: str) -> datetime | None:
    """The form's "valid through" day as the moment it ends in Dutch time; blank is never."""
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationProblem("expires_on", "Not a valid date (dd-mm-yyyy).") from exc
    if day < utcnow().astimezone(REGION_TZ).date():
        raise ValidationProblem("expires_on", "The expiry date lies in the past.")
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=REGION_TZ)


def _issue(request: Request, ctx: Ctx, tpl: Templates, values: dict[str, str]) -> Response:
    secret = None
    error = None
    try:
        org = values.get("organisation_id", "")
        if not org.isdigit():
            raise ValidationProblem("organisation_id", "Choose an organisation.")
        try:
            role = Role(values.get("role", ""))
        except ValueError as exc:
            raise ValidationProblem("role", "Choose a role.") from exc
        issued = service.create_token(ctx.session, name=values.get("name", "")[:200], role=role,
                                      organisation_id=int(org), created_by=ctx.user,
                                      expires_at=_expiry(values.get("expires_on", "")))
        secret = issued.secret
    except ValidationProblem as problem:
        error = problem_text(ctx._, problem)
    items = list(ctx.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
    return tpl.render(request, ctx, "access/tokens.html", status_code=422 if error else 200,
                      tokens=items, secret=secret, roles=_role_options(),
                      organisations=_org_options(ctx), error=error, now=utcnow())


@router.post("/admin/tokens", response_model=None)
async def create_token(request: Request, ctx: TokensEditCtx, tpl: TemplatesDep) -> Response:
    values = await form_values(request)
    return await run_in_threadpool(_issue, request, ctx, tpl, values)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(ctx: TokensEditCtx, token_id: int) -> RedirectResponse:
    service.revoke_token(ctx.session, token_id)
    return RedirectResponse("/admin/tokens", status_code=303)
