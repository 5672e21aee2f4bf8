"""Foresight in a browser on a served demo: the demand page draws its charts, and the strategic
dashboard loads the forecast panel by itself (htmx) next to the KPIs."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import login_page

pytestmark = pytest.mark.e2e


def test_demand_charts_and_the_dashboard_panel(served_demo: str, browser: Browser) -> None:
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    try:
        page = login_page(desk, served_demo, "viewer", "/foresight/demand")
        expect(page.locator("#demand-chart svg")).to_be_attached(timeout=15_000)
        expect(page.locator("#gap-chart svg")).to_be_attached(timeout=15_000)
        expect(page.locator("#zorgkloof")).to_contain_text("2040")
        page.goto(f"{served_demo}/kpi")
        panel = page.locator("#forecast-panel")
        expect(panel).to_contain_text("Zorgkloof 2030", timeout=20_000)
        expect(panel).to_contain_text("Haaglanden")
    finally:
        desk.close()
