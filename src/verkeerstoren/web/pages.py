"""Shell pages: login, logout, language choice, the role home page and health."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import text

from verkeerstoren.access import service as access_service
from verkeerstoren.web.deps import PublicCtx, ViewCtx, client_ip, csrf_token
from verkeerstoren.web.templating import Templates, templates

router = APIRouter(include_in_schema=False)
health = APIRouter(tags=["health"])

TemplatesDep = Annotated[Templates, Depends(templates)]


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: an open redirect after login is a phishing aid.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, ctx: PublicCtx, tpl: TemplatesDep, next: str | None = None
) -> HTMLResponse:
    return tpl.render(request, ctx, "login.html", next=_safe_next(next), error=None, email="")


@router.post("/login", response_model=None)
def login(
    request: Request,
    ctx: PublicCtx,
    tpl: TemplatesDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> HTMLResponse | RedirectResponse:
    user = access_service.authenticate(ctx.session, email, password, client_ip(request))
    if user is None:
        return tpl.render(
            request, ctx, "login.html", status_code=401, next=_safe_next(next),
            error=ctx._("Unknown e-mail address or wrong password."), email=email,
        )
    request.session.clear()
    request.session.update({"uid": user.id, "sv": user.session_version})
    if user.locale in ("nl", "en"):
        request.session["locale"] = user.locale
    csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, ctx: ViewCtx) -> RedirectResponse:
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


@health.get("/healthz")
def healthz(ctx: PublicCtx) -> JSONResponse:
    """Liveness and database reachability."""
    ctx.session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})
