"""Maps domain errors to answers: JSON (English) for /api, pages (Dutch) for browsers.

No request may produce a 500: anything unexpected is logged and answered with a plain page.
"""

from __future__ import annotations

import html
import logging
import re
from typing import cast
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic_core import ErrorDetails
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from verkeerstoren import validation
from verkeerstoren.access.scoping import ScopeViolation
from verkeerstoren.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationErrors,
    ValidationProblem,
)
from verkeerstoren.settings import Settings
from verkeerstoren.web.deps import (
    RESTORE_KEY,
    SAFE_METHODS,
    ClientGone,
    CsrfFailed,
    NotAuthenticated,
    Overloaded,
    admission,
    request_locale,
)
from verkeerstoren.web.i18n import translator
from verkeerstoren.web.openapi import allowed_methods

log = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    # A system that sends a token gets JSON everywhere, never a redirect to the login form.
    if request.headers.get("authorization"):
        return True
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


# What a person reads when something is missing; the API keeps "<entity> not found." for programs.
# Keys are NotFound.entity normalised (CareUnit, care_unit and "care unit" are one key).
MISSING: dict[str, str] = {
    "action": "This action does not exist (any more).",
    "api_token": "This API token does not exist (any more).",
    "area": "This area does not exist.",
    "care_unit": "This care unit does not exist (any more).",
    "chart": "This chart does not exist.",
    "gemeente": "This municipality does not exist.",
    "goal": "This goal does not exist (any more).",
    "indicator": "This indicator does not exist (any more).",
    "location": "This location does not exist (any more).",
    "measurement": "This measurement does not exist (any more).",
    "nursing_team": "This nursing team does not exist (any more).",
    "organisation": "This organisation does not exist (any more).",
    "placement_request": "This placement request does not exist (any more).",
    "project": "This project does not exist (any more).",
    "pull_source": "This pull source does not exist (any more).",
    "region": "This region does not exist.",
    "reservation": "This reservation does not exist (any more).",
    "user": "This user does not exist (any more).",
    "wait_report": "This waiting time report does not exist (any more).",
    "webhook": "This webhook does not exist (any more).",
}
MISSING_PAGE = "This page does not exist (any more). Check the address or start from the home page."
# Pages' texts for HTTP errors raised by the framework itself (its detail is English).
HTTP_PAGE_TEXT = {
    404: MISSING_PAGE,
    405: "This action is not possible on this page.",
    401: "Log in to continue.",
}


def missing_text(entity: str) -> str:
    """The page text (an msgid) for a NotFound of this entity; a generic one for new entities."""
    key = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", entity.strip()).lower().replace(" ", "_")
    return MISSING.get(key, MISSING_PAGE)


def _page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    _ = translator(request_locale(request, settings))
    # Messages may carry user data (a Conflict's text names what clashed): escape everything.
    title_text, message_text = html.escape(_(title)), html.escape(_(message))
    body = (
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title_text}</title><link rel='stylesheet' href='/static/app.css'></head>"
        f"<body><main class='error-page'><h1>{title_text}</h1><p>{message_text}</p>"
        f"<p><a href='/'>{html.escape(_('Back to the home page'))}</a></p></main></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def _answer(request: Request, status: int, title: str, message: str,
            page_message: str | None = None, **extra: object) -> Response:
    """JSON with the English ``message`` for programs; a page with ``page_message`` (an msgid,
    default ``message``) for people."""
    if wants_json(request):
        return JSONResponse({"detail": message, **extra}, status_code=status)
    return _page(request, status, title, page_message or message)


def _form_page(request: Request) -> str | None:
    """The page of this site a browser sent this form from, or None (not a plain form post,
    or not sent from one of our pages: another site's post must not come back as a filled-in
    form)."""
    if request.method in SAFE_METHODS or wants_json(request) or request.headers.get("hx-request"):
        return None
    if not request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return None
    host = request.headers.get("host")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != host:
        return None
    referer = urlsplit(request.headers.get("referer", ""))
    if not host or referer.netloc != host or not referer.path.startswith("/"):
        return None
    if referer.path == "/login":
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def _back_to_form(request: Request, page: str, login: bool) -> Response:
    # The session's CSRF token or login ended while the form was open (logout in another tab,
    # expiry): instead of "form expired", back to the form (through the login form when
    # needed), where static/form-draft.js puts back what was typed. Nothing is saved.
    request.session[RESTORE_KEY] = urlsplit(page).path
    target = f"/login?next={quote(page)}" if login else page
    return RedirectResponse(target, status_code=303)


def _problems(problems: list[ValidationProblem]) -> list[dict[str, object]]:
    return [{"row": p.row, "field": p.field, "message": p.text} for p in problems]


def install(app: FastAPI) -> None:
    """Register every handler on the app."""

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, exc: NotAuthenticated) -> Response:
        if wants_json(request):
            return JSONResponse(
                {"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        page = _form_page(request)
        if page is not None:
            return _back_to_form(request, page, login=True)
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        page = _form_page(request)
        if page is not None:
            return _back_to_form(request, page, login=False)
        return _answer(request, 403, "Form expired",
                       "The form has expired or was not sent from this site. Reload and try again.")

    @app.exception_handler(Forbidden)
    @app.exception_handler(ScopeViolation)
    async def _forbidden(request: Request, exc: Exception) -> Response:
        return _answer(request, 403, "Not allowed", "You are not allowed to do this.")

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return _answer(request, 404, "Not found", f"{exc.entity} not found.",
                       page_message=missing_text(exc.entity))

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> Response:
        return _answer(request, 409, "Conflict", str(exc))

    @app.exception_handler(ValidationProblem)
    async def _invalid(request: Request, exc: ValidationProblem) -> Response:
        return _answer(request, 422, "Invalid input", str(exc), errors=_problems([exc]))

    @app.exception_handler(ValidationErrors)
    async def _invalid_many(request: Request, exc: ValidationErrors) -> Response:
        return _answer(request, 422, "Invalid input", "The input has errors; nothing was saved.",
                       errors=_problems(exc.problems))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        log.info("integrity error answered with 409: %s", exc.orig)
        return _answer(request, 409, "Conflict",
                       "This conflicts with existing data (for example a name already in use).")

    def _retry_later(request: Request, message: str, retry_after: int) -> Response:
        answer = _answer(request, 503, "Busy", message)
        answer.headers["Retry-After"] = str(retry_after)
        return answer

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> Response:
        log.warning("database operational error: %s", exc.orig)
        return _retry_later(request, "The database is busy; try again in a moment.",
                            admission(request).retry_after)

    @app.exception_handler(Overloaded)
    async def _overloaded(request: Request, exc: Overloaded) -> Response:
        log.warning("no turn at the database for %s %s: answered 503", request.method,
                    request.url.path)
        return _retry_later(request, "The server is busy; try again in a moment.",
                            exc.retry_after)

    @app.exception_handler(PoolTimeout)  # no free connection, or (SQLite) no turn to write
    async def _no_connection(request: Request, exc: PoolTimeout) -> Response:
        log.warning("database wait timed out on %s %s: %s", request.method, request.url.path,
                    exc)
        return _retry_later(request, "The server is busy; try again in a moment.",
                            admission(request).retry_after)

    @app.exception_handler(ClientGone)
    async def _client_gone(request: Request, exc: ClientGone) -> Response:
        # Nobody reads this answer; it is what the access log shows.
        return _answer(request, 503, "Busy",
                       "The connection closed before the change was saved; nothing was saved.")

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> Response:
        # The same converter and messages as every other input problem.
        problems = [validation.problem_of(
            cast(ErrorDetails, {**e, "loc": tuple(p for p in e["loc"] if p != "body")}))
            for e in exc.errors()]
        errors = [{"field": p.field, "message": p.text} for p in problems]
        return _answer(request, 422, "Invalid input", "The request is invalid.", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Login required"}
        title = titles.get(exc.status_code, "Error")
        answer = _answer(request, exc.status_code, title, str(exc.detail),
                         page_message=HTTP_PAGE_TEXT.get(exc.status_code))
        answer.headers.update(exc.headers or {})
        if exc.status_code == 405:
            answer.headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        return answer

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _answer(request, 500, "Something went wrong",
                       "An unexpected error occurred; it has been logged.")
