"""The regiobeeld map never shows a "NaN" legend: without any value for the shown areas (the
demo imports no open data) it says 'geen gegevens' instead of drawing a colour scale over no
values, which Vega labels "NaN"."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import login_page

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("indicator", ["good_health%4018%2B", "scr"])
def test_the_region_map_has_no_nan_legend_and_says_when_it_has_no_data(
    served_demo: str, browser: Browser, indicator: str
) -> None:
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    try:
        page = login_page(desk, served_demo, "viewer", "/regiobeeld")
        page.goto(f"{served_demo}/regiobeeld?indicator={indicator}")
        chart = page.locator("#region-map svg")
        expect(chart.first).to_be_attached(timeout=10_000)
        expect(chart.locator(".role-title")).to_be_attached()  # drawn, not only started
        assert "NaN" not in page.locator("#region-map").inner_text()
        spec = json.loads(page.locator("#spec-region-map").text_content() or "")
        if all(f["properties"]["value"] is None for f in spec["datasets"]["areas"]):
            expect(chart.get_by_text("geen gegevens")).to_be_attached()
            assert chart.locator(".role-legend").count() == 0
    finally:
        desk.close()
