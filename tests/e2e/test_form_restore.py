"""A form sent after its login ended comes back filled in after logging in again, instead of
"Formulier verlopen" with everything lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import PASSWORD, login_page

pytestmark = pytest.mark.e2e
FORM = "/admin/users/new"


def test_what_was_typed_survives_an_expired_login(served_demo: str, browser: Browser) -> None:
    context = browser.new_context()
    page = login_page(context, served_demo, "admin", FORM)
    form = page.locator("form.card")
    form.locator("input[name=email]").fill("nieuwe.collega@example.org")
    form.locator("input[name=name]").fill("Nieuwe Collega")
    form.locator("input[name=password]").fill("een-lang-wachtwoord")
    form.locator("select[name=role]").select_option("provider")
    context.clear_cookies()  # the login expires while the form is open
    form.get_by_role("button", name="Opslaan").click()

    page.wait_for_url(f"{served_demo}/login?next={FORM}")
    expect(page.locator("main")).to_contain_text("Log opnieuw in")
    page.get_by_label("E-mailadres").fill("admin@demo.verkeerstoren.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.wait_for_url(f"{served_demo}{FORM}")
    form = page.locator("form.card")
    expect(form.locator("input[name=email]")).to_have_value("nieuwe.collega@example.org")
    expect(form.locator("input[name=name]")).to_have_value("Nieuwe Collega")
    expect(form.locator("select[name=role]")).to_have_value("provider")
    expect(form.locator("input[name=password]")).to_have_value("")  # never kept
    expect(page.locator("main")).to_contain_text("wat u had ingevuld staat er weer")

    # Sent again, it is saved; the draft is gone afterwards.
    form.locator("input[name=password]").fill("een-lang-wachtwoord")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"{served_demo}/admin/users")
    expect(page.locator("main")).to_contain_text("nieuwe.collega@example.org")
    page.goto(f"{served_demo}{FORM}")
    expect(page.locator("form.card input[name=email]")).to_have_value("")
    context.close()
