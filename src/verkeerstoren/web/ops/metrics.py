"""Prometheus metrics at ``/metrics`` (text format 0.0.4).

Series: ``verkeerstoren_http_requests_total{method,route,status}``,
``verkeerstoren_http_request_duration_seconds{method,route}`` (event streams excluded: their
duration is how long a board stayed open), ``verkeerstoren_event_streams_open``,
``verkeerstoren_db_pool_connections_in_use`` and ``verkeerstoren_db_pool_connections_max``
(per process, summed), and ``verkeerstoren_due_jobs{job}`` (read from the database at scrape).

Several worker processes (``serve --workers N``) share one port, and a scrape reaches any one
of them; prometheus_client's multiprocess mode therefore keeps every process's values in files
under ``PROMETHEUS_MULTIPROC_DIR`` (serve sets it) and the scraped process adds them all up.
Without that variable each process counts in its own registry (one process, or tests).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import bindparam, text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from verkeerstoren.storage import Database
from verkeerstoren.storage.base import UTCDateTime, utcnow
from verkeerstoren.storage.db import READ_ONLY
from verkeerstoren.web.ops.logs import ACCESS_LOGGER

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable, read by it too
# Latency buckets around the targets (p95 ≤ 200 ms): fine below a second, coarse above.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    """This app's series; in multiprocess mode their values live in the shared directory."""

    def __init__(self) -> None:
        self.shared = multiprocess_dir()
        # Multiprocess: registered nowhere (the scrape collects the files); otherwise in a
        # registry of this app's own, so several apps in one test process do not collide.
        self.registry = None if self.shared else CollectorRegistry()
        reg = self.registry
        self.requests = Counter("verkeerstoren_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=reg)
        self.latency = Histogram("verkeerstoren_http_request_duration_seconds",
                                 "Time to answer an HTTP request (event streams excluded).",
                                 ["method", "route"], buckets=BUCKETS, registry=reg)
        self.streams = Gauge("verkeerstoren_event_streams_open",
                             "Server-Sent Event streams (live boards, notifications) open.",
                             registry=reg, multiprocess_mode="livesum")
        self.pool_in_use = Gauge("verkeerstoren_db_pool_connections_in_use",
                                 "Database connections handed out by the pools.",
                                 registry=reg, multiprocess_mode="livesum")
        self.pool_max = Gauge("verkeerstoren_db_pool_connections_max",
                              "Connections the pools may hand out at most.",
                              registry=reg, multiprocess_mode="livesum")

    def sample_pool(self, db: Database) -> None:
        pool = db.engine.pool
        self.pool_in_use.set(getattr(pool, "checkedout", lambda: 0)())
        self.pool_max.set(db.capacity)

    def exposition(self, db: Database) -> bytes:
        self.sample_pool(db)
        registry = CollectorRegistry()
        if self.shared:
            _forget_dead_processes(Path(self.shared))
            multiprocess.MultiProcessCollector(registry, path=self.shared)  # type: ignore[no-untyped-call]
        else:
            assert self.registry is not None
            registry.register(_Forward(self.registry))
        registry.register(DueJobs(db))
        return generate_latest(registry)


class _Forward(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self.registry.collect()  # type: ignore[misc]


def _forget_dead_processes(folder: Path) -> None:
    """Drop the live gauges of worker processes that died (a kill -9 runs no clean-up)."""
    for path in folder.glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]
        except PermissionError:  # alive, another user's
            pass


# Work that is due now and waits for a background job: a steadily high number means the job
# is stuck or dead (alert on it; docs/operations.md).
_DUE = {
    "hold_expiry": "SELECT count(*) FROM reservation WHERE status = 'held' AND held_until <= :now",
    "webhook_delivery": "SELECT count(*) FROM webhook_delivery "
                        "WHERE status = 'pending' AND next_attempt_at <= :now",
}


class DueJobs(Collector):
    """``verkeerstoren_due_jobs{job}`` read from the database when scraped (the same in every
    process, so it is not summed)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("verkeerstoren_due_jobs",
                                   "Due work waiting for a background job.", labels=["job"])
        now = utcnow()
        when = bindparam("now", now, type_=UTCDateTime())
        # A reader: on SQLite it takes no write lock (storage.db.READ_ONLY).
        with self.db.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            for job, sql in _DUE.items():
                family.add_metric([job], conn.execute(text(sql).bindparams(when)).scalar_one())
            pulls = conn.execute(text(
                "SELECT last_run_at, interval_minutes FROM pull_source WHERE active")
                .columns(last_run_at=UTCDateTime())).all()
        due = [last for last, minutes in pulls
               if last is None or last + timedelta(minutes=minutes) <= now]
        family.add_metric(["pull"], len(due))
        yield family


class RequestMetrics:
    """ASGI middleware: counts and times every request, and writes its JSON log line."""

    def __init__(self, app: ASGIApp, metrics: Metrics, db: Database) -> None:
        self.app = app
        self.metrics = metrics
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering
        stream = False

        async def measured_send(message: Message) -> None:
            nonlocal status, stream
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/event-stream"):
                    stream = True
                    self.metrics.streams.inc()
            await send(message)

        try:
            await self.app(scope, receive, measured_send)
        finally:
            if stream:
                self.metrics.streams.dec()
            self._record(scope, status, stream, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, stream: bool, seconds: float) -> None:
        route = _route(scope)
        method = scope["method"]
        self.metrics.requests.labels(method, route, str(status)).inc()
        if not stream:
            self.metrics.latency.labels(method, route).observe(seconds)
        self.metrics.sample_pool(self.db)
        client = scope.get("client")
        _access_log().info(
            "%s %s %s", method, scope["path"], status,
            extra={"method": method, "path": scope["path"], "route": route, "status": status,
                   "duration_ms": round(seconds * 1000, 1),
                   "client": client[0] if client else None})


def _route(scope: Scope) -> str:
    # The route's template (/api/v1/placement/requests/{request_id}), never the raw path: ids
    # in labels would make a series per patient request.
    # FastAPI 0.165 keeps the full template (router prefix included) in its route context;
    # scope["route"].path lacks the prefix.
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    path = getattr(context, "path", None) or getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    return "/static" if scope["path"].startswith("/static/") else "unmatched"


def _access_log() -> logging.Logger:
    return logging.getLogger(ACCESS_LOGGER)


router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus scrape: this host's processes (see the module docstring)."""
    metrics: Metrics = request.app.state.metrics
    body = await run_in_threadpool(metrics.exposition, request.app.state.db)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI, db: Database) -> None:
    """Add the middleware and ``/metrics`` to ``app``."""
    app.state.metrics = Metrics()
    app.add_middleware(RequestMetrics, metrics=app.state.metrics, db=db)
    app.include_router(router)
