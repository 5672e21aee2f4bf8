"""Dependencies that give every route its context: session, actor, permission check and CSRF.

Routes never open sessions or look up users themselves; they declare what they need with
:func:`view`, :func:`edit` or :func:`public`, which also lets the permission test matrix read the
requirement of every route from the route table.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from verkeerstoren.access import service as access_service
from verkeerstoren.access.actor import Actor
from verkeerstoren.access.models import User
from verkeerstoren.access.roles import Permission
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.errors import DomainError, Forbidden
from verkeerstoren.settings import Settings
from verkeerstoren.storage import Database
from verkeerstoren.storage.db import read_only_session
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.i18n import translator
from verkeerstoren.web.nul import reject_nul

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(DomainError):
    """No valid session or token; pages redirect to the login form, the API answers 401."""


class CsrfFailed(DomainError):
    """An unsafe request from a browser session without the matching CSRF token."""


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


async def verify_csrf(request: Request) -> AsyncIterator[None]:
    """Unsafe browser requests must echo the session's CSRF token (form field or header).

    When the form had to be parsed for the token, it is closed after the response: uploaded
    files live in temporary files that would otherwise wait for the garbage collector.
    """
    form = None
    if request.method not in SAFE_METHODS and _bearer(request) is None:
        expected = request.session.get("csrf")
        sent = request.headers.get("x-csrf-token")
        content_type = request.headers.get("content-type", "")
        if sent is None and content_type.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
        if not isinstance(expected, str) or sent is None or not hmac.compare_digest(
            sent, expected
        ):
            if form is not None:
                await form.close()
            raise CsrfFailed("missing or wrong CSRF token")
    try:
        yield
    finally:
        if form is not None:
            await form.close()


def resolve_actor(request: Request, session: Session) -> Actor | None:
    ip = client_ip(request)
    bearer = _bearer(request)
    if bearer is not None:
        actor = access_service.resolve_token(session, bearer, ip)
        if actor is None:
            raise NotAuthenticated("invalid or revoked API token")
        return actor
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != request.session.get("sv"):
        request.session.clear()
        return None
    return access_service.actor_for_user(user, ip)


def request_locale(request: Request, settings: Settings) -> str:
    chosen = request.session.get("locale")
    return chosen if chosen in ("nl", "en") else settings.default_locale


def _context(
    permission: Permission | None, *, edit: bool, login: bool, read_only: bool = False
) -> Callable[..., Iterator[Ctx]]:
    def dependency(
        request: Request, _csrf: Annotated[None, Depends(verify_csrf)],
        _nul: Annotated[None, Depends(reject_nul)],
    ) -> Iterator[Ctx]:
        db: Database = request.app.state.db
        settings: Settings = request.app.state.settings
        locale = request_locale(request, settings)
        with db.sessionmaker() as session, session.begin():
            if read_only:
                read_only_session(session)
            try:
                actor = resolve_actor(request, session)
            except NotAuthenticated:
                if login:
                    raise
                actor = None  # a public page (health, login) ignores a bad token
            if login and actor is None:
                raise NotAuthenticated("login required")
            if permission is not None and (actor is None or not actor.can(permission)):
                raise Forbidden(f"role may not {permission.value}")
            if actor is not None:
                bind_actor(session, actor, edit=edit)
            yield Ctx(
                session=session,
                actor=actor,
                locale=locale,
                _=translator(locale),
                csrf_token=csrf_token(request),
                settings=settings,
            )

    dependency.permission = permission  # type: ignore[attr-defined]
    dependency.login_required = login  # type: ignore[attr-defined]
    return dependency


def _depends(dependency: Callable[..., Iterator[Ctx]]) -> Any:
    # scope="function": commit before the response is sent, so a failed commit is never a 200.
    return Depends(dependency, scope="function")


def view(permission: Permission | None = None) -> Any:
    """Logged-in context for reading; organisation scoping applies to writes only."""
    return _depends(_context(permission, edit=False, login=True))


def edit(permission: Permission) -> Any:
    """Logged-in context for changing data: reads are confined to the actor's organisation."""
    return _depends(_context(permission, edit=True, login=True))


def live_view(permission: Permission) -> Any:
    """Logged-in context for the live board's reads, which every open board repeats after
    each report: a read-only transaction (on SQLite it does not queue for the write lock)."""
    return _depends(_context(permission, edit=False, login=True, read_only=True))


def public() -> Any:
    """Context for pages anyone may open (login, health); actor may be None."""
    return _depends(_context(None, edit=False, login=False))


ViewCtx = Annotated[Ctx, view()]
PublicCtx = Annotated[Ctx, public()]
