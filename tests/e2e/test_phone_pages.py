"""Pages on a phone (390×844) and the CSP: the demo review's findings, checked in chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.e2e.conftest import PHONE, login_page

pytestmark = pytest.mark.e2e


def _phone(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                               locale="nl-NL")



def test_home_tiles_keep_their_text_inside(served_demo: str, browser: Browser) -> None:
    context = _phone(browser)
    try:
        home = login_page(context, served_demo, "provider", "/")
        spilling = home.evaluate(
            "[...document.querySelectorAll('.tile')]"
            ".filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.textContent.trim())")
        assert spilling == []
        assert home.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    finally:
        context.close()


def test_the_waits_report_page_fits_a_phone(served_demo: str, browser: Browser) -> None:
    context = _phone(browser)
    try:
        page = login_page(context, served_demo, "provider", "/wachttijden/melden")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    finally:
        context.close()


def test_a_refused_phone_report_opens_at_its_card(served_demo: str, browser: Browser) -> None:
    context = _phone(browser)
    try:
        page = login_page(context, served_demo, "provider", "/capacity/report")
        card = page.locator("form.report-card").last
        anchor = card.get_attribute("id")
        card.locator("input[name=staffed]").fill("1")
        card.locator("input[name=occupied]").fill("5")
        # The browser's own check (min/required) passes; the server refuses the counts.
        card.get_by_role("button", name="Opslaan").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"#{anchor}")
        failed = page.locator(f"[id='{anchor}']")
        assert "bezet plus geblokkeerd" in (failed.text_content() or "")
        top = failed.evaluate("el => el.getBoundingClientRect().top")
        assert 0 <= top < PHONE["height"], top
        assert page.evaluate("document.activeElement.name") in ("staffed", "occupied")
        assert page.get_by_text("De melding is niet opgeslagen.").count() == 1
    finally:
        context.close()


def test_a_saved_phone_report_is_confirmed_in_its_card_without_covering_it(
    served_demo: str, browser: Browser
) -> None:
    context = _phone(browser)
    try:
        page = login_page(context, served_demo, "provider", "/capacity/report")
        card = page.locator("form.report-card").last
        anchor = card.get_attribute("id")
        unit = card.locator("h2").evaluate("h => h.firstChild.textContent.trim()")
        bed_type = card.locator("h2 small").inner_text()
        card.locator("input[name=staffed]").fill("2")
        card.locator("input[name=occupied]").fill("1")
        card.locator("input[name=blocked]").fill("0")
        card.get_by_role("button", name="Opslaan").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"#{anchor}")
        saved = page.locator(f"[id='{anchor}']")
        notice = saved.locator(".notice")
        text = notice.inner_text()
        assert text.startswith("Melding opgeslagen voor ")
        assert text == f"Melding opgeslagen voor {unit} · {bed_type}."
        heading = saved.locator("h2").bounding_box()
        box = notice.bounding_box()
        assert heading is not None
        assert box is not None
        assert box["y"] >= heading["y"] + heading["height"] - 1  # below the title, not on it
        assert 0 <= heading["y"] < PHONE["height"]
    finally:
        context.close()


def test_the_kpi_quarter_picker_needs_no_inline_script(served_demo: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    try:
        page = login_page(context, served_demo, "analyst", "/kpi")
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.reload()
        picker = page.locator("select[name=quarter]").first
        options = picker.locator("option").all_inner_texts()
        assert len(options) > 1
        other = next(q for q in options if q != picker.input_value())
        with page.expect_navigation():
            picker.select_option(other)
        assert f"quarter={other}" in page.url
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
