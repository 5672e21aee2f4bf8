"""A hold nobody answers ends by itself in the running server: warning, then the bed goes back."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import login_page

pytestmark = pytest.mark.e2e
# The served demo allows one-minute holds and looks for expired ones every second (conftest).
WAIT_SECONDS = 180
PROVIDER = "Zorggroep Zoetermeer"  # the demo user "provider" works here (demo/builder.py)


def _board_row(page: Page, base: str, unit_id: int, bed_type: str) -> dict[str, Any]:
    rows = page.request.get(f"{base}/api/v1/board?bed_type={bed_type}").json()["rows"]
    return next(r for r in rows if r["unit_id"] == unit_id)


def _notifications(page: Page, base: str, event: str, request_id: int) -> list[dict[str, Any]]:
    found = page.request.get(f"{base}/api/v1/notifications?limit=200").json()
    return [n for n in found if n["event"] == event and n["data"].get("request") == request_id]


def _wait_for(what: str, check: Any) -> Any:
    """Poll until ``check()`` is truthy: the server acts on its own clock, not the test's."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"the server did not {what} within {WAIT_SECONDS} s")


def test_an_unanswered_hold_warns_then_releases_its_bed(served_demo: str,
                                                         browser: Browser) -> None:
    base = served_demo
    coordinator = login_page(browser.new_context(), base, "coordinator", "/placement/new")
    # A free bed with a fresh report at a unit of the demo provider user's organisation, of a
    # short-stay type (paid by the Zvw): the provider will see the hold on its own page.
    rows = coordinator.request.get(f"{base}/api/v1/board").json()["rows"]
    free = sorted((r for r in rows if r["available"] > 0 and not r["stale"]
                   and PROVIDER in r["organisation"]
                   and r["bed_type_code"].startswith("short_stay")),
                  key=lambda r: (r["bed_type_code"], r["unit_id"]))
    assert free, "the demo provider has a free short-stay bed"
    unit_id, bed_type = free[0]["unit_id"], free[0]["bed_type_code"]
    # The details that may follow later are folded away (issue 14); these are filled now.
    coordinator.get_by_text("Meer over de patiënt").click()
    coordinator.get_by_label("Pseudoniem").fill("e2e-episode-expiry")
    coordinator.get_by_label("Verwijzer (naam van de beller)").fill("Dr. Klok")
    coordinator.get_by_label("Geboortejaar").fill("1938")
    coordinator.get_by_label("Postcodegebied (4 cijfers)").fill("2712")
    coordinator.get_by_label(free[0]["bed_type"], exact=True).check()
    coordinator.get_by_label("Voorkeursgemeente (patiënt of familie)").select_option(
        free[0]["gemeente_code"])
    coordinator.get_by_role("button", name="Verzoek aanmaken en bedden zoeken").click()
    expect(coordinator).to_have_url(re.compile(r"/placement/requests/\d+$"))
    request_url = coordinator.url
    request_id = int(request_url.rsplit("/", 1)[1])
    reserve = coordinator.locator(f"button[name=option][value='{unit_id}:{bed_type}']")
    while not reserve.count():  # not among the best ten: page on
        coordinator.get_by_test_id("more-options").click()
        coordinator.wait_for_load_state()
    before = _board_row(coordinator, base, unit_id, bed_type)

    hold = coordinator.get_by_label("Bed vasthouden voor (minuten)")
    expect(hold).to_have_value("30")  # the default hold time
    hold.fill("1")
    reserve.click()
    expect(coordinator.locator(".notice")).to_contain_text("Bed gereserveerd op")
    expect(coordinator.locator("h1 .status")).to_have_text("bed gereserveerd")
    assert _board_row(coordinator, base, unit_id, bed_type)["held"] == before["held"] + 1

    provider = login_page(browser.new_context(), base, "provider", "/placement/incoming")
    held = provider.request.get(f"{base}/api/v1/placement/reservations").json()
    reservation = next(r for r in held if r["request_id"] == request_id)
    card = provider.locator(f"#reservation-{reservation['id']}")
    expect(card.locator(".status")).to_have_text("gereserveerd")
    held_for = (datetime.fromisoformat(reservation["held_until"])
                - datetime.fromisoformat(reservation["created_at"]))
    assert held_for == timedelta(minutes=1)  # the chosen hold time, not the default

    # A one-minute hold lies inside the five-minute warning window: the requester (here the
    # coordination point that made the request) is warned, once, before the hold ends.
    warnings = _wait_for("warn about the hold", lambda: _notifications(
        coordinator, base, "reservation.expiring", request_id))
    assert len(warnings) == 1

    # Nobody answers. The server releases the hold by itself.
    _wait_for("release the hold", lambda: all(
        r["id"] != reservation["id"]
        for r in provider.request.get(f"{base}/api/v1/placement/reservations").json()))

    assert _board_row(coordinator, base, unit_id, bed_type)["held"] == before["held"]
    coordinator.goto(request_url)
    expect(coordinator.locator("h1 .status")).to_have_text("open")
    expect(coordinator.get_by_text("reservering verlopen: reserveringstermijn verlopen")
           ).to_be_visible()
    expect(coordinator.locator("[data-testid=reserve-top]")).to_be_visible()  # choose again
    provider.reload()
    expect(card.locator(".status")).to_have_text("verlopen")
    expect(card.locator("[data-testid^=accept-]")).to_have_count(0)
    assert len(_notifications(coordinator, base, "reservation.expired", request_id)) == 1
    assert len(_notifications(coordinator, base, "reservation.expiring", request_id)) == 1
    assert len(_notifications(provider, base, "reservation.expired", request_id)) == 1
