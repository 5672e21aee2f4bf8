"""Overload answers: 503 with Retry-After, JSON for programs and a Dutch page for people."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tests.conftest import Browser
from verkeerstoren.web import deps


class Full(deps.Admission):
    """Every place taken: each request waits its full wait and is turned away."""

    def limit(self) -> int:
        return 0


def test_a_request_that_gets_no_turn_in_time_is_answered_503_with_retry_after(
    app: FastAPI, client: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state, "admission", Full(app.state.db, 0.1), raising=False)
    api = client.get("/api/v1/me", headers={"Authorization": "Bearer vt_whatever"})
    assert api.status_code == 503
    assert api.headers["retry-after"] == "1"
    assert api.json() == {"detail": "The server is busy; try again in a moment."}
    page = client.get("/login")
    assert page.status_code == 503
    assert page.headers["retry-after"] == "1"
    assert "Het is op dit moment te druk" in page.text


def test_no_free_connection_is_a_503_with_retry_after_not_a_500(
    client: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pool_full(*_args: object, **_kwargs: object) -> None:
        raise PoolTimeout("QueuePool limit of size 10 overflow 20 reached")

    monkeypatch.setattr(deps, "resolve_actor", pool_full)
    answer = client.get("/api/v1/me", headers={"Authorization": "Bearer vt_whatever"})
    assert answer.status_code == 503
    assert int(answer.headers["retry-after"]) >= 1
    assert answer.json() == {"detail": "The server is busy; try again in a moment."}


def test_liveness_and_readiness_do_not_queue_behind_requests(
    app: FastAPI, client: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full queue turns requests away; the process is alive all the same, and /healthz must
    # say so (a supervisor that heard 503 would restart a busy process and make it worse).
    monkeypatch.setattr(app.state, "admission", Full(app.state.db, 0.1), raising=False)
    assert client.get("/login").status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["checks"]["database"] == "ok"
    assert client.get("/readyz").json()["checks"]["database"] == "ok"
