"""The help page per role (issue 14 item 9), linked from every page."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Browser
from verkeerstoren.access.roles import Role
from verkeerstoren.web.i18n import catalogue

DEMO_USERS = ("admin", "coordinator", "provider", "referrer", "analyst", "viewer")


def test_every_role_has_dutch_help() -> None:
    dutch = catalogue("nl")
    for role in Role:
        for part in ("title", "what", "steps"):
            assert f"help.{part}.{role.value}" in dutch, (role, part)


@pytest.mark.parametrize("who", DEMO_USERS)
def test_the_help_page_opens_at_the_readers_role(login: Callable[[str], Browser],
                                                  who: str) -> None:
    browser = login(who)
    page = browser.get("/help")
    assert page.status_code == 200
    sections = [chunk.split('"')[0] for chunk in page.text.split('id="help-')[1:]]
    assert sections[0] == who
    assert sorted(sections) == sorted(r.value for r in Role)
    assert "Wat de kleuren betekenen" in page.text
    home = browser.get("/")
    assert f'href="/help#help-{who}"' in home.text


def test_the_help_page_needs_a_login(client: Browser) -> None:
    answer = client.get("/help", follow_redirects=False)
    assert answer.status_code in (302, 303, 401)
