""""Ongewijzigd" on the phone report form, in chromium (issue 12 item 2): a figure typed into a
card is never stored as confirmed, "Nu vrij" follows the typing, and "Alles ongewijzigd"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.conftest import PHONE, login_page

pytestmark = pytest.mark.e2e

GREEN = "rgb(30, 125, 50)"  # --ok in app.css


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  locale="nl-NL")
    yield context
    context.close()


def _reported_card(page: Page) -> Locator:
    """The first card with a stored report (the only kind with an "Ongewijzigd" button)."""
    return page.locator("form.report-card").filter(
        has=page.get_by_role("button", name="Ongewijzigd", exact=True)).first


def _figures(card: Locator) -> dict[str, str]:
    return {name: card.locator(f"input[name={name}]").input_value()
            for name in ("staffed", "occupied", "blocked", "report_id")}


def test_typed_then_unchanged_never_stores_the_typed_figure(
    served_demo: str, phone: BrowserContext
) -> None:
    page = login_page(phone, served_demo, "provider", "/capacity/report")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    card = _reported_card(page)
    anchor = card.get_attribute("id")
    stored = _figures(card)
    free = card.locator(".free-now")
    held = int(free.get_attribute("data-held") or "0")
    staffed, occupied = int(stored["staffed"]), int(stored["occupied"])
    blocked = int(stored["blocked"] or "0")
    typed = 0 if occupied > 0 else 1  # a different figure
    card.locator("input[name=occupied]").fill(str(typed))
    # "Nu vrij" follows the typed counts at once.
    assert free.locator("span").inner_text() == str(staffed - typed - blocked - held)

    card.get_by_role("button", name="Ongewijzigd", exact=True).click()
    note = card.locator("[data-unsaved]")
    assert note.is_visible()
    assert "U hebt cijfers op deze kaart gewijzigd" in note.inner_text()
    assert card.locator("input[name=occupied]").input_value() == str(typed)  # kept, not lost
    page.reload()  # nothing was sent: the card still shows the same stored report
    card = page.locator(f"[id='{anchor}']")
    assert _figures(card) == stored

    # "Wijzigingen ongedaan maken" brings the stored figures back; then it confirms them.
    card.locator("input[name=occupied]").fill(str(typed))
    card.get_by_role("button", name="Wijzigingen ongedaan maken").click()
    assert card.locator("input[name=occupied]").input_value() == stored["occupied"]
    expect(card.locator("[data-unsaved]")).to_be_hidden()  # updated after the reset event
    card.get_by_role("button", name="Ongewijzigd", exact=True).click()
    page.wait_for_url(f"**#{anchor}")
    card = page.locator(f"[id='{anchor}']")
    notice = card.locator(".notice").inner_text()
    assert notice.startswith("Ongewijzigd bevestigd voor ")
    assert f"({staffed} bemand, {occupied} bezet, {blocked} geblokkeerd)" in notice
    confirmed = _figures(card)
    assert confirmed["report_id"] != stored["report_id"]  # a new report …
    assert {k: v for k, v in confirmed.items() if k != "report_id"} == {
        k: v for k, v in stored.items() if k != "report_id"}  # … of the stored figures
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_without_the_script_the_server_still_confirms_the_stored_report(
    served_demo: str, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="nl-NL",
                                  java_script_enabled=False)
    try:
        page = login_page(context, served_demo, "provider", "/capacity/report")
        card = _reported_card(page)
        anchor = card.get_attribute("id")
        stored = _figures(card)
        card.locator("input[name=occupied]").fill("0" if stored["occupied"] != "0" else "1")
        card.locator("input[name=staffed]").fill("")  # not even an emptied field stops it
        card.get_by_role("button", name="Ongewijzigd", exact=True).click()
        page.wait_for_url(f"**#{anchor}")
        card = page.locator(f"[id='{anchor}']")
        assert card.locator(".notice").inner_text().startswith("Ongewijzigd bevestigd voor ")
        confirmed = _figures(card)
        assert confirmed["report_id"] != stored["report_id"]
        assert confirmed["occupied"] == stored["occupied"]
        assert confirmed["staffed"] == stored["staffed"]
    finally:
        context.close()


def test_free_now_is_green_only_when_a_bed_is_free(
    served_demo: str, phone: BrowserContext
) -> None:
    page = login_page(phone, served_demo, "provider", "/capacity/report")
    card = _reported_card(page)
    free = card.locator(".free-now")
    held = int(free.get_attribute("data-held") or "0")
    card.locator("input[name=staffed]").fill(str(held + 3))
    card.locator("input[name=blocked]").fill("0")
    card.locator("input[name=occupied]").fill("2")
    assert free.locator("span").inner_text() == "1"
    assert free.evaluate("el => getComputedStyle(el).color") == GREEN
    card.locator("input[name=occupied]").fill("3")
    assert free.locator("span").inner_text() == "0"
    assert free.evaluate("el => getComputedStyle(el).color") != GREEN
    card.locator("input[name=occupied]").fill("4")
    assert free.locator("span").inner_text() == "-1"
    assert free.evaluate("el => getComputedStyle(el).color") != GREEN


def test_all_unchanged_waits_for_unsaved_cards_then_confirms_every_card(
    served_demo: str, phone: BrowserContext
) -> None:
    page = login_page(phone, served_demo, "provider", "/capacity/report")
    cards = page.locator("form.report-card").filter(
        has=page.locator("input[name=report_id]"))
    before = [c.locator("input[name=report_id]").input_value() for c in cards.all()]
    assert len(before) >= 2
    card = cards.last
    card.locator("input[name=remark]").evaluate("el => { el.closest('details').open = true; }")
    card.locator("input[name=remark]").fill("nog niet opgeslagen")
    form = page.locator("#all-unchanged")
    form.get_by_role("button", name="Alles ongewijzigd").click()
    assert form.locator("[data-unsaved]").is_visible()
    assert card.locator("[data-unsaved]").is_visible()
    assert page.url.endswith("/capacity/report")
    card.get_by_role("button", name="Wijzigingen ongedaan maken").click()
    expect(form.locator("[data-unsaved]")).to_be_hidden()  # updated after the reset event
    with page.expect_navigation():
        form.get_by_role("button", name="Alles ongewijzigd").click()
    assert page.get_by_text(f"{len(before)} meldingen ongewijzigd bevestigd").is_visible()
    after = [c.locator("input[name=report_id]").input_value() for c in cards.all()]
    assert len(after) == len(before)
    assert not set(after) & set(before)  # every card got a new report
