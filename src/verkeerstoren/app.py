"""The application factory: one FastAPI app per settings object, no import-time globals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from types import ModuleType

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from verkeerstoren import __version__, capabilities
from verkeerstoren.background import Job
from verkeerstoren.runtime import install_hooks
from verkeerstoren.settings import Environment, Settings
from verkeerstoren.storage import Database
from verkeerstoren.storage.events import PostgresListener
from verkeerstoren.web import errors, openapi
from verkeerstoren.web import pages as shell_pages
from verkeerstoren.web.json_depth import JsonDepthGuard
from verkeerstoren.web.limits import RequestGuard
from verkeerstoren.web.ops import health, metrics
from verkeerstoren.web.templating import Templates, template_dirs


def _modules(packages: tuple[str, ...], name: str) -> list[ModuleType]:
    return [import_module(f"verkeerstoren.{package}.{name}") for package in packages]


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; frame-ancestors 'none'",
    ),
]


# Sent only on an answer that came over HTTPS (RFC 6797 §7.2: never over plain HTTP). A year,
# the usual value; subdomains are not ours to decide.
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """Adds conservative security headers to every response, and HSTS to HTTPS ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # The scheme is the client's only behind a proxy listed in trusted_proxies (create_app
        # puts uvicorn's ProxyHeadersMiddleware in front then); otherwise the connection's.
        extra = SECURITY_HEADERS + ([HSTS] if scope.get("scheme") == "https" else [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """Build the app for these settings; pass ``db`` to share a database handle (tests)."""
    database = install_hooks(db or Database(settings.database_url,
                                            pool_size=settings.database_pool_size,
                                            wait_seconds=settings.database_wait_seconds))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        listener = None
        if not database.is_sqlite:
            listener = PostgresListener(database.libpq_url, database.events)
            listener.start()
        jobs: list[Job] = []
        if settings.pull_enabled and settings.environment is not Environment.TEST:
            from verkeerstoren.capacity.pull.scheduler import run_forever

            jobs.append(Job.start("scheduled-pull", run_forever(database, settings.outbound)))
        if settings.runs_hold_expiry:
            from verkeerstoren.placement import expiry as holds

            jobs.append(Job.start("hold-expiry", holds.run_forever(
                database, every_seconds=settings.hold_expiry_check_seconds,
                warn_before=timedelta(minutes=settings.hold_warning_minutes))))
        from verkeerstoren.notifications.worker import start_worker  # webhooks, reminders

        jobs.append(start_worker(database, settings))
        from verkeerstoren.audit.anchoring import start_checkpoints

        jobs.append(start_checkpoints(database, settings))  # chain heads kept outside the DB
        _app.state.jobs, _app.state.listener = jobs, listener  # for /readyz
        from verkeerstoren.retention import start_purge

        jobs.append(start_purge(database, settings))  # personal data past its retention
        yield
        for job in jobs:
            await job.stop()
        if listener is not None:
            listener.stop()
        if db is None:
            database.dispose()

    app = FastAPI(
        title="Verkeerstoren API",
        version=__version__,
        description="Regional health-and-care control tower: registry, capacity, placement.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    # verkeerstoren.capabilities says who contributes what: `api.router` (under /api/v1),
    # `pages.router`, `pages.NAV`, `pages.HOME_PANELS` and `templates/<capability>/`.
    apis = _modules(capabilities.names(api=True), "api")
    pages = _modules(capabilities.names(pages=True), "pages")
    nav = [item for module in pages for item in module.NAV]
    app.state.templates = Templates(template_dirs(capabilities.names(pages=True)), nav)
    # Home-page panels, like NAV: each pages module may list callables (ctx) -> (template,
    # values) | None in HOME_PANELS; home.html includes them without knowing the capability.
    app.state.home_panels = [p for module in pages for p in getattr(module, "HOME_PANELS", [])]

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="vt_session",
        max_age=settings.session_max_age_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    # Inside the body ceiling: JSON nested too deeply is refused before it is parsed.
    app.add_middleware(JsonDepthGuard)
    app.add_middleware(RequestGuard)  # body ceiling and a log line per refusal: web/limits.py
    app.add_middleware(SecurityHeaders)
    metrics.install(app, database)  # counts every answer; inside the proxy headers' layer
    if settings.trusted_proxy_list:
        # Outermost: every layer below sees the client's scheme and address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    static = Path(__file__).parent / "web" / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    app.include_router(health.router)
    app.state.migration_heads = health.migration_heads(database)
    app.include_router(shell_pages.router)
    for module in apis:
        app.include_router(module.router, prefix="/api/v1")
    for module in pages:
        app.include_router(module.router)
    errors.install(app)
    openapi.install(app)
    return app
