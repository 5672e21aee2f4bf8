"""A provider reports on a phone; a coordinator's board, already open, shows it without reload."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import PHONE, login_page

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"



def test_a_phone_report_reaches_an_open_board_without_reload(
    served_demo: str, browser: Browser
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="nl-NL")
    try:
        board = login_page(desk, served_demo, "coordinator", "/board")
        # The board is live once its EventSource is open.
        expect(board.locator("#live-status.on")).to_be_attached(timeout=10_000)
        board.screenshot(path=str(SHOTS / "board-desktop.png"), full_page=False)
        board.evaluate("window.__notReloaded = true")

        form_page = login_page(phone, served_demo, "provider", "/capacity/report")
        form = form_page.locator("form.report-card").first
        unit_id = form.locator("input[name=unit_id]").input_value()
        bed_type = form.locator("input[name=bed_type_code]").input_value()
        row = board.locator(f"tr[data-unit='{unit_id}'][data-bed-type='{bed_type}']")
        expect(row).to_have_count(1)
        held = int(row.locator("td.num").nth(3).inner_text())
        before = int(row.locator("td.available strong").inner_text())
        staffed = int(form.locator("input[name=staffed]").input_value())
        occupied = 1 if before == staffed - held else 0
        expected = staffed - held - occupied
        assert expected != before
        form_page.screenshot(path=str(SHOTS / "report-phone.png"), full_page=False)

        form.locator("input[name=occupied]").fill(str(occupied))
        form.locator("input[name=blocked]").fill("0")
        form.get_by_role("button", name="Opslaan").click()
        expect(form_page.get_by_role("status")).to_contain_text("opgeslagen")
        form_page.screenshot(path=str(SHOTS / "report-phone-saved.png"), full_page=False)

        expect(row.locator("td.available strong")).to_have_text(str(expected), timeout=5_000)
        expect(row).to_contain_text("zojuist")
        assert board.evaluate("window.__notReloaded") is True
        row.scroll_into_view_if_needed()
        board.screenshot(path=str(SHOTS / "board-after-report.png"), full_page=False)

        home = login_page(phone, served_demo, "provider", "/")
        home.screenshot(path=str(SHOTS / "provider-home-phone.png"), full_page=True)
    finally:
        phone.close()
        desk.close()


def test_the_board_fits_a_phone_screen(served_demo: str, browser: Browser) -> None:
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                locale="nl-NL")
    try:
        board = login_page(phone, served_demo, "coordinator", "/board")
        board.screenshot(path=str(SHOTS / "board-phone.png"), full_page=False)
        # The page itself never scrolls sideways; a wide table scrolls inside its own box.
        width = board.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1
    finally:
        phone.close()


def test_a_filtered_board_stays_filtered_when_it_changes(
    served_demo: str, browser: Browser
) -> None:
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="nl-NL")
    try:
        board = login_page(desk, served_demo, "coordinator", "/board")
        # The demo providers report in Zoetermeer (Haaglanden): the board of that region,
        # free beds only. The report arrives with its row as this filtered board shows it.
        board.get_by_label("Regio").select_option(label="Haaglanden")
        board.get_by_label("Alleen beschikbare bedden").check()
        board.get_by_role("button", name="Filteren").click()
        board.wait_for_url("**/board?**region_id=**")
        expect(board.locator("#live-status.on")).to_be_attached(timeout=10_000)
        rows = board.locator("#board-table tbody tr[data-unit]")
        expect(rows.first).to_be_attached()
        expect(board.locator("#board-table")).not_to_contain_text("Hilversum")
        board.evaluate("document.getElementById('board-live').addEventListener("
                       "'board:updated', () => { document.body.dataset.refreshed = 'yes'; })")
        board.evaluate("window.__notReloaded = true")

        form_page = login_page(phone, served_demo, "provider", "/capacity/report")
        form = form_page.locator("form.report-card").first
        unit_id = form.locator("input[name=unit_id]").input_value()
        bed_type = form.locator("input[name=bed_type_code]").input_value()
        staffed = int(form.locator("input[name=staffed]").input_value())
        # Fill every staffed bed: the row has nothing free and must leave this board.
        form.locator("input[name=occupied]").fill(str(staffed))
        form.locator("input[name=blocked]").fill("0")
        form.get_by_role("button", name="Opslaan").click()
        expect(form_page.get_by_role("status")).to_contain_text("opgeslagen")

        # A DOM attribute, not wait_for_function: that evaluates a string in the page, which
        # the app's Content Security Policy (no 'unsafe-eval') refuses.
        expect(board.locator("body")).to_have_attribute("data-refreshed", "yes", timeout=10_000)
        expect(board.locator(f"tr[data-unit='{unit_id}'][data-bed-type='{bed_type}']")
               ).to_have_count(0)
        assert board.evaluate("window.__notReloaded") is True
        expect(rows.first).to_be_attached()
        expect(board.locator("#board-table")).not_to_contain_text("Hilversum")
        for value in rows.locator("td.available strong").all_inner_texts():
            assert int(value) > 0
    finally:
        phone.close()
        desk.close()
