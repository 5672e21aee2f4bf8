"""Inputs an API fuzzer (schemathesis) once turned into a 500 or a redirect loop."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Browser


@pytest.mark.parametrize("quarter", ["0000Q1", "1900Q1", "2100Q4"])
def test_a_quarter_outside_the_supported_years_is_a_422(
    login: Callable[[str], Browser], quarter: str
) -> None:
    analyst = login("analyst")
    assert analyst.get("/api/v1/kpi/status", params={"quarter": quarter}).status_code == 422
    answer = analyst.post("/api/v1/kpi/recompute", params={"quarter": quarter})
    assert answer.status_code == 422


def test_a_bad_token_is_ignored_by_public_pages_and_refused_elsewhere(client: Browser) -> None:
    bad = {"Authorization": "Bearer vt_revoked-or-made-up"}
    assert client.get("/healthz", headers=bad).status_code == 200
    page = client.get("/board", headers=bad, follow_redirects=False)
    assert page.status_code == 401
