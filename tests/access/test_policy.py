"""Every route against the access policy written apart from the routes (tests/access/policy.toml).

tests/web/test_permissions.py checks that each route enforces the permission it declares; this
test checks the declarations themselves: the answer each role gets must be what the reviewed
policy says, so declaring, say, the audit-log API as ``board.view`` fails here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.conftest import Browser
from tests.web.test_permissions import _concrete, _routes, is_event_stream
from verkeerstoren.access.roles import Role

POLICY = tomllib.loads((Path(__file__).parent / "policy.toml").read_text(encoding="utf-8"))
GROUPS: dict[str, dict[str, list[str]]] = POLICY["groups"]
ANONYMOUS = "anonymous"
WHO = [ANONYMOUS, *(r.value for r in Role)]


def group_of(method: str, path: str) -> str:
    """The one policy group whose patterns match the route."""
    found = [name for name, group in GROUPS.items()
             if any(fnmatchcase(f"{method} {path}", pattern) for pattern in group["routes"])]
    assert len(found) == 1, f"{method} {path} matches {found or 'no group'} in policy.toml"
    return found[0]


def allowed(who: str, method: str, path: str) -> bool:
    roles = GROUPS[group_of(method, path)]["roles"]
    return who in roles or (who != ANONYMOUS and "*" in roles)


def test_the_policy_names_only_known_roles() -> None:
    for name, group in GROUPS.items():
        assert set(group["roles"]) <= {*WHO, "*"}, name
        assert group["routes"], name


def test_every_route_is_in_exactly_one_policy_group(app: FastAPI) -> None:
    for method, path, _route in _routes(app):
        group_of(method, path)


def _expect(who: str, method: str, path: str, route: APIRoute, answer_status: int) -> str | None:
    """A problem, or None when the answer fits the policy."""
    if answer_status >= 500:
        return f"{who} {method} {path}: {answer_status}"
    if allowed(who, method, path):
        if answer_status in (401, 403):
            return f"{who} {method} {path}: refused ({answer_status}) but the policy allows it"
        return None
    # Machine interfaces (our API, the FHIR server) answer 401; pages send to the login page.
    refused = {401} if path.startswith(("/api/", "/fhir/")) else {303}
    if who != ANONYMOUS:
        refused = {403}
    if answer_status not in refused:
        return f"{who} {method} {path}: {answer_status} but the policy refuses it"
    return None


@pytest.mark.parametrize("who", WHO)
def test_every_route_answers_as_the_policy_says(
    who: str, app: FastAPI, client: Browser, login: Callable[[str], Browser]
) -> None:
    if who == ANONYMOUS:
        browser = client
        browser.refresh_csrf()
    else:
        browser = login(who)
    problems = []
    for method, path, route in _routes(app):
        if path in ("/logout", "/login") and method == "POST":
            continue  # ends the test's session; checks credentials (tests/access/test_login.py)
        if allowed(who, method, path) and is_event_stream(route):
            continue  # an allowed event stream never ends
        answer = browser.request(method, _concrete(path), follow_redirects=False)
        problem = _expect(who, method, path, route, answer.status_code)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)
