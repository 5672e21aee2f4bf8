"""Shell pages: login, logout, language choice, the role home page (health: web/ops/health.py)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from verkeerstoren.access import service as access_service
from verkeerstoren.access import sessions
from verkeerstoren.access.roles import Role
from verkeerstoren.access.throttle import LoginLimits, TooManyAttempts
from verkeerstoren.audit import service as audit
from verkeerstoren.settings import Settings
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import (
    RESTORE_KEY,
    SESSION_KEY,
    PublicCtx,
    ViewCtx,
    clear_session,
    client_ip,
    csrf_token,
)
from verkeerstoren.web.templating import Templates, templates

router = APIRouter(include_in_schema=False)

TemplatesDep = Annotated[Templates, Depends(templates)]


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: an open redirect after login is a phishing aid.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _limits(settings: Settings) -> LoginLimits:
    return LoginLimits(per_account=settings.login_max_failures_per_account,
                       per_address=settings.login_max_failures_per_address,
                       window=timedelta(minutes=settings.login_failure_window_minutes))


def _restore_notice(request: Request, ctx: Ctx) -> str | None:
    # A form was sent after the login had ended: say that what was typed is not lost.
    if isinstance(request.session.get(RESTORE_KEY), str):
        return ctx._("Your login had ended. Log in again: the form you sent comes back "
                     "filled in as you left it.")
    return None


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, ctx: PublicCtx, tpl: TemplatesDep, next: str | None = None
) -> HTMLResponse:
    return tpl.render(request, ctx, "login.html", next=_safe_next(next), error=None, email="",
                      notice=_restore_notice(request, ctx))


@router.post("/login", response_model=None)
def login(
    request: Request,
    ctx: PublicCtx,
    tpl: TemplatesDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> HTMLResponse | RedirectResponse:
    ip = client_ip(request)
    try:
        user = access_service.authenticate(ctx.session, email, password, ip,
                                           _limits(ctx.settings))
    except TooManyAttempts as exc:
        minutes = math.ceil(exc.retry_after / 60)
        return tpl.render(
            request, ctx, "login.html", status_code=429, next=_safe_next(next),
            error=ctx._("Too many failed login attempts. Try again in {n} minutes.", n=minutes)
            if minutes > 1 else ctx._("Too many failed login attempts. Try again in a minute."),
            email=email, notice=None, headers={"Retry-After": str(exc.retry_after)},
        )
    if user is None:
        return tpl.render(
            request, ctx, "login.html", status_code=401, next=_safe_next(next),
            error=ctx._("Unknown e-mail address or wrong password."), email=email, notice=None,
        )
    # A new session (and CSRF token) at every login: a cookie planted before cannot ride along.
    clear_session(request)
    request.session[SESSION_KEY] = sessions.start(ctx.session, user, ip)
    if user.locale in ("nl", "en"):
        request.session["locale"] = user.locale
    csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, ctx: ViewCtx) -> RedirectResponse:
    secret = request.session.get(SESSION_KEY)
    if isinstance(secret, str):
        sessions.end(ctx.session, secret)
    audit.append(ctx.session, ctx.user, action="logout", entity="user_account",
                 entity_id=ctx.user.user_id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/locale")
def choose_locale(
    request: Request,
    ctx: PublicCtx,
    locale: Annotated[str, Form(max_length=5)] = "nl",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> RedirectResponse:
    request.session["locale"] = locale if locale in ("nl", "en") else "nl"
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: ViewCtx, tpl: TemplatesDep) -> HTMLResponse:
    return tpl.render(request, ctx, "home.html", role=ctx.user.role.value)


@router.get("/help", response_class=HTMLResponse)
def help_page(request: Request, ctx: ViewCtx, tpl: TemplatesDep) -> HTMLResponse:
    """Short help per role: what the pages are for, what the colours mean, whom to call."""
    own = ctx.user.role.value
    roles = [own, *(r.value for r in Role if r.value != own)]
    return tpl.render(request, ctx, "help.html", role=own, roles=roles,
                      contact=request.app.state.settings.help_contact)
