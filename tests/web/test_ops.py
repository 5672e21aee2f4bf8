"""Operations endpoints (issue 18 item 8): /healthz, /readyz, /metrics and the JSON log lines.

The series names and the log fields are those the issue asks for and docs/operations.md
promises; /metrics is read with prometheus_client's own text parser, the log lines with json.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import _create_database, _settings
from verkeerstoren.app import create_app
from verkeerstoren.background import Job
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate
from verkeerstoren.web.ops.logs import ACCESS_LOGGER, JsonFormatter

SERIES = {
    "verkeerstoren_http_requests": "counter",
    "verkeerstoren_http_request_duration_seconds": "histogram",
    "verkeerstoren_event_streams_open": "gauge",
    "verkeerstoren_db_pool_connections_in_use": "gauge",
    "verkeerstoren_db_pool_connections_max": "gauge",
    "verkeerstoren_due_jobs": "gauge",
}


def test_readyz_is_200_with_every_check_ok(client: TestClient) -> None:
    # Right after start the LISTEN connection (PostgreSQL) may still be connecting, and
    # /readyz rightly says "not ready" until it is: wait for it, as a load balancer does.
    deadline = time.monotonic() + 20
    answer = client.get("/readyz")
    while answer.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = client.get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json()["checks"] == {"database": "ok", "migrations": "ok", "background": "ok"}


def _dead_job() -> Job:
    async def crash() -> None:
        raise RuntimeError("job crashed")

    loop = asyncio.new_event_loop()
    try:
        task = loop.create_task(crash(), name="hold-expiry")
        with pytest.raises(RuntimeError):
            loop.run_until_complete(task)
    finally:
        loop.close()
    return Job(task)


def test_readyz_is_503_when_a_background_job_has_died(app: FastAPI, client: TestClient) -> None:
    app.state.jobs.append(_dead_job())
    try:
        answer = client.get("/readyz")
    finally:
        app.state.jobs.remove(app.state.jobs[-1])
    assert answer.status_code == 503
    assert "hold-expiry" in answer.json()["checks"]["background"]
    assert answer.json()["checks"]["database"] == "ok"


def test_healthz_stays_alive_but_not_ready_when_a_background_job_has_died(
        app: FastAPI, client: TestClient) -> None:
    app.state.jobs.append(_dead_job())
    try:
        answer = client.get("/healthz")
    finally:
        app.state.jobs.remove(app.state.jobs[-1])
    # Alive (a restart would not be the answer the supervisor should give blindly), and the
    # body does not hide that the process is not ready.
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["ready"] is False
    assert "hold-expiry" in body["checks"]["background"]


def test_readyz_is_503_when_migrations_are_behind(tmp_path: Path) -> None:
    url, drop = _create_database(tmp_path, "behind")
    try:
        migrate.upgrade(url, "0013_reportform_pull_result")  # one before the head
        database = install_hooks(Database(url, pool_size=1))
        served = TestClient(create_app(_settings(url), database))
        answer = served.get("/readyz")
        health = served.get("/healthz")
        database.dispose()
    finally:
        drop()
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"] == "ok"
    assert "0013_reportform_pull_result" in checks["migrations"]
    # Liveness: alive (reaches its database) and says it is not ready, and why.
    assert health.status_code == 200
    assert health.json()["ready"] is False
    assert "0013_reportform_pull_result" in health.json()["checks"]["migrations"]


def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    url = "postgresql://postgres@127.0.0.1:1/nowhere"
    database = install_hooks(Database(url, pool_size=1))
    served = TestClient(create_app(_settings(url), database))
    answer = served.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"].startswith("unreachable")
    health = served.get("/healthz")
    assert health.status_code == 503
    assert health.json()["status"] == "database unreachable"
    assert health.json()["ready"] is False


def test_metrics_expose_the_named_series(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/api/v1/placement/requests/12345")  # anonymous: 401, but routed
    client.get("/no-such-page")
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    for name, kind in SERIES.items():
        assert name in families, name
        assert families[name].type == kind, name
    requests = {(s.labels["route"], s.labels["status"]) for s in
                families["verkeerstoren_http_requests"].samples if s.name.endswith("_total")}
    # The route's template, never the id: a label value per patient request would not do.
    assert ("/api/v1/placement/requests/{request_id}", "401") in requests
    assert ("/healthz", "200") in requests
    assert ("unmatched", "404") in requests
    due = {s.labels["job"] for s in families["verkeerstoren_due_jobs"].samples}
    assert due == {"hold_expiry", "webhook_delivery", "pull"}
    capacity = families["verkeerstoren_db_pool_connections_max"].samples[0].value
    assert capacity >= 1


def test_request_log_lines_are_json_with_the_documented_fields(client: TestClient) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger(ACCESS_LOGGER)
    level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        client.get("/healthz?secret=not-logged")
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert {"time", "level", "logger", "message", "pid", "method", "path", "route", "status",
            "duration_ms", "client"} <= set(line)
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert "not-logged" not in json.dumps(line)  # query strings may carry search terms


def test_an_exception_is_logged_as_one_json_line() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("verkeerstoren.x", logging.ERROR, __file__, 1, "failed %s",
                                   ("here",), exc_info=__import__("sys").exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed here"
    assert "ValueError: broken" in line["exception"]
