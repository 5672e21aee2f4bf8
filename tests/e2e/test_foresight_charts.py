"""The population projection's charts draw in a real browser on the served demo (open data
loaded by `serve --demo`), with the Dutch axis titles."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import login_page

pytestmark = pytest.mark.e2e


def test_the_population_charts_draw_with_dutch_titles(served_demo: str,
                                                      browser: Browser) -> None:
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    try:
        page = login_page(desk, served_demo, "viewer", "/foresight/population?area=GM0637")
        for chart in ("#bands-chart", "#aged-chart"):
            expect(page.locator(f"{chart} svg")).to_be_attached(timeout=15_000)
        titles = page.locator(".chart svg .role-axis-title text").all_text_contents()
        assert "Jaar (1 januari)" in titles
        assert "Personen" in titles
        expect(page.locator("#backtests tbody tr").first).to_contain_text("Zoetermeer")
    finally:
        desk.close()
