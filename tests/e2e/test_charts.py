"""The browser's charts speak Dutch: Dutch month and day names on the time axis, bed-type names
in the legend (the shared loader vega/charts.js sets Vega's nl-NL locale)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import login_page

pytestmark = pytest.mark.e2e
DUTCH = {"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
         "januari", "februari", "maart", "april", "juni", "juli", "augustus", "september",
         "oktober", "november", "december", "zo", "ma", "di", "wo", "do", "vr", "za"}


def test_the_region_history_chart_has_a_dutch_time_axis_and_bed_type_names(
    served_demo: str, browser: Browser
) -> None:
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    try:
        page = login_page(desk, served_demo, "coordinator", "/board/history")
        labels = page.locator(".chart svg .role-axis-label text")
        expect(labels.first).to_be_attached(timeout=10_000)
        words = {w for t in labels.all_text_contents() for w in re.findall(r"[A-Za-z]+", t)}
        # 30 days always cross a week or month boundary, whose tick is named ("nov 08").
        assert words, labels.all_text_contents()
        assert words <= DUTCH, words
        legend = page.locator(".chart svg .role-legend-label text").all_text_contents()
        assert legend
        assert not any("_" in name for name in legend), legend  # names, not codes
    finally:
        desk.close()
