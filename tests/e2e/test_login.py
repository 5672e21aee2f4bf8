"""A coordinator logs in on the demo region and sees the home page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_coordinator_logs_in_and_sees_the_home_page(served_demo: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(f"{served_demo}/")
    expect(page).to_have_url(f"{served_demo}/login?next=/")
    page.get_by_label("E-mailadres").fill("coordinator@demo.verkeerstoren.nl")
    page.get_by_label("Wachtwoord").fill("demo-wachtwoord-2024")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    expect(page.locator("main")).to_contain_text("passend bed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "coordinator-home.png"), full_page=True)
    page.close()
