"""Issue 14's targets, counted in chromium at 1366x768 and 390x844: the coordinator goes from
her home page to a held bed in at most 6 interactions, the provider confirms every unit
unchanged in 1 tap from the home page and changes one figure in a few.

An interaction is what a person does on purpose: a click or tap, filling a field, ticking a
box, choosing from a list, a key press that submits. Logging in and typing the URL of the
home page are not counted (the target is "from the home page"). The counts are printed
(``-s``) for docs/usability.md; the targets are the issue's, not figures read off this code.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.e2e.conftest import login_page

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1366, "height": 768},
                                  "phone": {"width": 390, "height": 844}}
COORDINATOR_TARGET = 6  # issue 14: "from the home page to a held bed in <= 6 interactions"
PROVIDER_UNCHANGED_TARGET = 1  # issue 14: "unchanged for all units in 1 tap from the home page"


class Steps:
    """Performs and counts the user's interactions; nothing else on the page is counted."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, target: Locator) -> None:
        self.count += 1
        target.click()

    def fill(self, target: Locator, text: str) -> None:
        self.count += 1
        target.fill(text)

    def check(self, target: Locator) -> None:
        self.count += 1
        target.check()


@pytest.fixture(params=sorted(SIZES))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, BrowserContext]]:
    name: str = request.param
    phone = name == "phone"
    context = browser.new_context(viewport=SIZES[name], is_mobile=phone, has_touch=phone,
                                  device_scale_factor=2 if phone else 1, locale="nl-NL")
    yield name, context
    context.close()


def _home(context: BrowserContext, base: str, who: str) -> Page:
    page = login_page(context, base, who, "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    return page


def test_coordinator_holds_a_bed_in_six_interactions(
    served_demo: str, sized: tuple[str, BrowserContext]
) -> None:
    size, context = sized
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _home(context, served_demo, "coordinator")
    page.screenshot(path=str(SHOTS / f"ux-coordinator-home-{size}.png"))
    steps = Steps()
    steps.click(page.get_by_role("link", name="Nieuw verzoek", exact=True))
    expect(page).to_have_url(re.compile(r"/placement/new$"))
    page.screenshot(path=str(SHOTS / f"ux-new-request-{size}.png"), full_page=True)
    steps.check(page.get_by_label("ELV laag complex"))
    steps.fill(page.get_by_label("Postcodegebied (4 cijfers)"), "2712")
    steps.click(page.get_by_role("button", name="Verzoek aanmaken en bedden zoeken"))
    expect(page).to_have_url(re.compile(r"/placement/requests/\d+$"))
    page.screenshot(path=str(SHOTS / f"ux-request-options-{size}.png"), full_page=True)
    steps.click(page.locator("[data-testid=reserve-best]"))
    notice = page.locator(".notice", has_text="Bed gereserveerd op")
    expect(notice).to_be_visible()
    # The countdown says what it counts (issue 14 item 2).
    expect(notice.locator(".countdown")).to_have_text(re.compile(r"^nog \d+:\d\d vastgehouden$"))
    page.screenshot(path=str(SHOTS / f"ux-request-held-{size}.png"), full_page=True)
    print(f"\ncoordinator, {size}: home page to a held bed in {steps.count} interactions")
    assert steps.count <= COORDINATOR_TARGET

    # The details that were not needed to search follow while the bed is held.
    details = page.locator("#details")
    expect(details).to_have_attribute("open", "")
    details.get_by_label("Geboortejaar").fill("1941")
    details.get_by_label("Verwijzer (naam van de beller)").fill("Dr. Telefoon")
    details.get_by_role("button", name="Gegevens opslaan").click()
    expect(page.locator(".notice", has_text="Gegevens opgeslagen.")).to_be_visible()
    expect(page.locator(".notice", has_text="Bed gereserveerd op")).to_be_visible()

    # Release the hold and choose another option without closing the request.
    page.locator("[data-testid=release-hold]").click()
    expect(page.locator("h1")).to_contain_text("open")
    expect(page.locator("[data-testid=reserve-best]")).to_be_visible()


def test_provider_confirms_everything_in_one_tap_and_changes_a_figure(
    served_demo: str, sized: tuple[str, BrowserContext]
) -> None:
    size, context = sized
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _home(context, served_demo, "provider")
    page.screenshot(path=str(SHOTS / f"ux-provider-home-{size}.png"), full_page=True)
    steps = Steps()
    with page.expect_navigation():
        steps.click(page.locator("#home-all-unchanged").get_by_role(
            "button", name="Alles ongewijzigd"))
    expect(page.locator(".notice", has_text="ongewijzigd bevestigd")).to_be_visible()
    print(f"\nprovider, {size}: all units unchanged in {steps.count} tap(s) from the home page")
    assert steps.count <= PROVIDER_UNCHANGED_TARGET

    page.goto(f"{served_demo}/")
    changed = Steps()
    started = time.monotonic()
    changed.click(page.locator("#stale-units").get_by_role("link", name="Bedden melden"))
    card = page.locator("form.report-card").first
    occupied = card.locator("input[name=occupied]")
    staffed = int(card.locator("input[name=staffed]").input_value())
    new_value = "0" if occupied.input_value() != "0" else str(min(1, staffed))
    changed.fill(occupied, new_value)
    with page.expect_navigation():
        changed.click(card.get_by_role("button", name="Opslaan"))
    expect(page.locator(".notice", has_text="Melding opgeslagen")).to_be_visible()
    seconds = time.monotonic() - started
    # Reported, not asserted (no timing assertions in tests): docs/usability.md keeps it.
    print(f"provider, {size}: one changed figure in {changed.count} interactions, "
          f"{seconds:.1f} s of browser time")
    height = page.evaluate("document.documentElement.scrollHeight / window.innerHeight")
    cards = page.locator("form.report-card").count()
    print(f"provider, {size}: report page of {cards} cards is {height:.1f} screens high")
    # Issue 14: twelve cards "without six screens of scrolling" on a phone (they took eight).
    assert cards < 12 or size != "phone" or height < 6
    page.screenshot(path=str(SHOTS / f"ux-report-{size}.png"), full_page=True)
