"""Every page a role may open renders: GET each route without path parameters.

The permission matrix (test_permissions) also sends POSTs, which may log the user out on the
way (deactivating themselves, for instance), so it cannot promise that each page renders; this
test only reads, with a fresh login per role, and expects a 200.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from tests.conftest import Browser
from tests.web.test_permissions import ROLES, _requirement, _routes, is_event_stream
from verkeerstoren.access.roles import GRANTS, Permission, Role

# GET routes that do not answer with a page of their own on purpose.
NOT_A_PAGE = {"/logout", "/locale"}


def _plain_get_routes(app: FastAPI) -> list[tuple[str, Permission | None]]:
    """(path, permission) of every GET route without path parameters."""
    return [
        (path, _requirement(route)[1]) for method, path, route in _routes(app)
        if method == "GET" and "{" not in path and path not in NOT_A_PAGE
        and not path.startswith("/openapi") and not is_event_stream(route)
    ]


def test_the_generic_form_template_renders_for_the_admin(
    login: Callable[[str], Browser]
) -> None:
    admin = login("admin")
    answer = admin.get("/admin/users/new")
    assert answer.status_code == 200, answer.text[:300]
    assert 'name="email"' in answer.text


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_endpoint_without_parameters_renders_for_each_role(
    role: str, app: FastAPI, login: Callable[[str], Browser]
) -> None:
    browser = login(role)
    failures: list[tuple[str, int, str]] = []
    for path, permission in _plain_get_routes(app):
        if permission is not None and Role(role) not in GRANTS[permission]:
            continue
        answer = browser.get(path, follow_redirects=False)
        # Some API reads need a query (a postcode): a 422 naming it is their right answer.
        needs_query = path.startswith("/api/") and answer.status_code == 422
        if answer.status_code != 200 and not needs_query:
            failures.append((path, answer.status_code, answer.text[:200]))
    assert not failures, failures
