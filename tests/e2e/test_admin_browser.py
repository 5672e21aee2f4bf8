"""Administration in the browser (issue 14 item 6): a new API token is copied with one click."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import login_page

pytestmark = pytest.mark.e2e


def test_a_new_token_is_copied_with_one_click(served_demo: str, browser: Browser) -> None:
    context = browser.new_context(locale="nl-NL")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served_demo)
    try:
        page = login_page(context, served_demo, "admin", "/admin/tokens")
        page.locator("form[action='/admin/tokens'] input[name=name]").fill("ziekenhuis-koppeling")
        page.locator("form[action='/admin/tokens'] button[type=submit], "
                     "form[action='/admin/tokens'] button:not([type])").first.click()
        secret = page.get_by_test_id("token-secret").inner_text().strip()
        assert secret.startswith("vt_")
        page.get_by_role("button", name="Kopiëren").click()
        page.get_by_role("button", name="Gekopieerd").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == secret
    finally:
        context.close()
