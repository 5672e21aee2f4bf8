"""The permission matrix: every route, for anonymous users and for every role.

Each route declares its permission through its context dependency (web/deps.py); this test reads
that declaration from the route table, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute, iter_route_contexts

from tests.conftest import Browser
from verkeerstoren.access.roles import GRANTS, Permission, Role

# /readyz and /metrics: for the load balancer and the monitoring (docs/operations.md), no data;
# /fhir/metadata: FHIR servers publish their CapabilityStatement.
PUBLIC = {"/login", "/locale", "/healthz", "/readyz", "/metrics", "/fhir/metadata"}
ROLES = [r.value for r in Role]


def _requirement(route: APIRoute) -> tuple[bool, Permission | None]:
    """(login required, permission) from the route's context dependency."""
    stack: list[Any] = [route.dependant]
    while stack:
        dependant = stack.pop()
        call = dependant.call
        if call is not None and hasattr(call, "login_required"):
            return bool(call.login_required), call.permission
        stack.extend(dependant.dependencies)
    return False, None


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, full path, route) of every API route, routers' prefixes included.

    Since FastAPI 0.165 `app.routes` holds one wrapper per included router, not the routes
    themselves; iterating it directly finds nothing and made this matrix test pass vacuously.
    """
    found: list[tuple[str, str, APIRoute]] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            found.append((method, context.path, route))
    assert len(found) > 50, "the route table was not read (FastAPI changed app.routes?)"
    return found


def is_event_stream(route: APIRoute) -> bool:
    """Server-Sent Events never end, so a test client allowed in would wait forever."""
    streams = typing.get_type_hints(route.endpoint).get("return") is StreamingResponse
    return streams and route.path.endswith("/events")


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_except_the_public_ones_requires_a_login(app: FastAPI) -> None:
    for method, path, route in _routes(app):
        if path in PUBLIC or path.startswith("/openapi"):
            continue
        login_required, _ = _requirement(route)
        assert login_required, f"{method} {path} can be used without logging in"


def test_anonymous_visitors_get_401_from_the_api_and_the_login_page_elsewhere(
    app: FastAPI, client: Browser
) -> None:
    client.refresh_csrf()
    for method, path, route in _routes(app):
        if not _requirement(route)[0]:
            continue
        answer = client.request(method, _concrete(path), follow_redirects=False)
        if path.startswith(("/api/", "/fhir/")):  # programs' endpoints: 401, no redirect
            assert answer.status_code == 401, (method, path, answer.status_code)
        else:
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"].startswith("/login")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_routes_its_permissions_allow(
    role: str, app: FastAPI, login: Callable[[str], Browser]
) -> None:
    browser = login(role)
    for method, path, route in _routes(app):
        login_required, permission = _requirement(route)
        if not login_required or path == "/logout":
            continue
        allowed = permission is None or Role(role) in GRANTS[permission]
        if allowed and is_event_stream(route):
            continue
        answer = browser.request(method, _concrete(path), follow_redirects=False)
        assert answer.status_code < 500, (method, path, answer.status_code, answer.text[:300])
        if allowed:
            assert answer.status_code not in (401, 403), (role, method, path, answer.text[:300])
        else:
            assert answer.status_code == 403, (role, method, path, answer.status_code)
