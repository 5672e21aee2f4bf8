"""Dependencies that give every route its context: session, actor, permission check and CSRF.

Routes never open sessions or look up users themselves; they declare what they need with
:func:`view`, :func:`edit` or :func:`public`, which also lets the permission test matrix read the
requirement of every route from the route table.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import Depends, Request
from fastapi.concurrency import contextmanager_in_threadpool
from sqlalchemy.orm import Session

from verkeerstoren.access import service as access_service
from verkeerstoren.access import sessions
from verkeerstoren.access.actor import Actor
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
# Connections and worker threads kept free of requests: the notification worker and the
# scheduled pull use a connection too, and the thread pool also serves files and forms.
RESERVED_CONNECTIONS = 2
RESERVED_THREADS = 10

log = logging.getLogger(__name__)


class NotAuthenticated(DomainError):
    """No valid session or token; pages redirect to the login form, the API answers 401."""


class CsrfFailed(DomainError):
    """An unsafe request from a browser session without the matching CSRF token."""


class Overloaded(DomainError):
    """No turn at the database within the wait: answered 503 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClientGone(DomainError):
    """The client hung up before its changes were committed: they are rolled back."""


class Admission:
    """How many requests hold a database context at once, and how long the rest may queue.

    A route's context runs in the thread pool: its transaction (and connection, and on SQLite
    the write lock) is opened in one worker thread and used by the route in the next one. When
    more requests entered than there are connections, the threads waited for connections
    held by requests that waited for a thread: nothing moved until the pool's 30 s time-out
    (issue 12: 80 concurrent POSTs, 40 × 500 after 31 s). Requests now queue here, in the
    event loop, before they take a thread; at most as many enter as there are connections, and
    fewer than there are threads, so an admitted request always finds both. One that waits
    longer than the wait is answered 503 with Retry-After.
    """

    def __init__(self, db: Database, wait_seconds: float) -> None:
        self.db = db
        self.wait_seconds = wait_seconds
        # One semaphore per event loop (a test client runs its own loop per client).
        self._semaphore: RunVar[anyio.Semaphore] = RunVar(f"vt_admission_{id(self)}")

    def limit(self) -> int:
        threads = anyio.to_thread.current_default_thread_limiter().total_tokens
        return max(1, min(self.db.capacity - RESERVED_CONNECTIONS,
                          int(threads) - RESERVED_THREADS))

    def semaphore(self) -> anyio.Semaphore:
        try:
            return self._semaphore.get()
        except LookupError:
            semaphore = anyio.Semaphore(self.limit())
            self._semaphore.set(semaphore)
            return semaphore

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait_seconds))


def admission(request: Request) -> Admission:
    gate = getattr(request.app.state, "admission", None)
    if gate is None:
        settings: Settings = request.app.state.settings
        gate = request.app.state.admission = Admission(request.app.state.db,
                                                        settings.database_wait_seconds)
    return gate


async def admitted(request: Request) -> AsyncIterator[None]:
    """Wait (in the event loop, holding nothing) for a place among the requests at work."""
    gate = admission(request)
    semaphore = gate.semaphore()
    entered = False
    with anyio.move_on_after(gate.wait_seconds):  # not around the yield: it would cancel the route
        await semaphore.acquire()
        entered = True
    if not entered:
        raise Overloaded("The server is busy; try again in a moment.", gate.retry_after)
    try:
        yield
    finally:
        semaphore.release()


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


# The session-cookie key of the server-side session's secret (access/sessions.py).
SESSION_KEY = "sid"
# The page whose form was sent after its session had ended; kept through the login so the page
# can put back what was typed (web/errors.py, static/form-draft.js).
RESTORE_KEY = "restore"


def clear_session(request: Request) -> None:
    """Forget the login and the CSRF token, but not a form waiting to be restored."""
    restore = request.session.get(RESTORE_KEY)
    request.session.clear()
    if isinstance(restore, str):
        request.session[RESTORE_KEY] = restore


def resolve_actor(request: Request, session: Session, *, touch: bool = True) -> Actor | None:
    ip = client_ip(request)
    bearer = _bearer(request)
    if bearer is not None:
        actor = access_service.resolve_token(session, bearer, ip)
        if actor is None:
            raise NotAuthenticated("invalid, expired or revoked API token")
        return actor
    secret = request.session.get(SESSION_KEY)
    if not isinstance(secret, str):
        return None
    settings: Settings = request.app.state.settings
    max_age = timedelta(hours=settings.session_max_age_hours)
    user = sessions.resolve(session, secret, max_age, touch=touch)
    if user is None:
        clear_session(request)
        return None
    return access_service.actor_for_user(user, ip)


def request_locale(request: Request, settings: Settings) -> str:
    chosen = request.session.get("locale")
    return chosen if chosen in ("nl", "en") else settings.default_locale


@contextmanager
def _opened(
    request: Request, permission: Permission | None, *, edit: bool, login: bool, read_only: bool
) -> Iterator[Ctx]:
    """The route's transaction and context (run in a worker thread: it queries the database);
    leaving the block commits, an exception rolls back."""
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    locale = request_locale(request, settings)
    with db.sessionmaker() as session, session.begin():
        if read_only:
            read_only_session(session)
        try:
            actor = resolve_actor(request, session, touch=not read_only)
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
            # A bearer-token caller is no browser: it needs no CSRF token, and making one put
            # a signed session cookie on every API answer (signed again on each request that
            # sent it back): a tenth of a report's CPU in the event loop.
            csrf_token="" if _bearer(request) is not None else csrf_token(request),
            settings=settings,
        )


def _context(
    permission: Permission | None, *, edit: bool, login: bool, read_only: bool = False
) -> Callable[..., AsyncIterator[Ctx]]:
    async def dependency(
        request: Request,
        # The form (an upload, say) is read before the request takes a place at the database.
        _csrf: Annotated[None, Depends(verify_csrf)],
        _nul: Annotated[None, Depends(reject_nul)],
        _admitted: Annotated[None, Depends(admitted, scope="function")],
    ) -> AsyncIterator[Ctx]:
        # Opened and closed in worker threads, as FastAPI runs a plain generator dependency
        # (the close without a thread limit, shielded); the disconnect check between the route
        # and the commit is made here, in the event loop: from the worker thread it cost a
        # round trip through the loop (anyio.from_thread) on every unsafe request.
        async with contextmanager_in_threadpool(_opened(
                request, permission, edit=edit, login=login, read_only=read_only)) as ctx:
            yield ctx
            if (not read_only and request.method not in SAFE_METHODS
                    and await request.is_disconnected()):
                # Nobody would learn of this change (a client that timed out retries, or a
                # person sees the old state): leaving the block with an exception rolls it back.
                log.warning("client left before the commit of %s %s; rolled back",
                            request.method, request.url.path)
                raise ClientGone("the client disconnected; nothing was saved")

    dependency.permission = permission  # type: ignore[attr-defined]
    dependency.login_required = login  # type: ignore[attr-defined]
    return dependency


def _depends(dependency: Callable[..., AsyncIterator[Ctx]]) -> Any:
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
