"""HSTS only over HTTPS (or behind a trusted proxy that says so), and a form sent after its login
ended goes back to the form instead of "Formulier verlopen"."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.app import create_app
from verkeerstoren.demo.builder import DemoResult
from verkeerstoren.settings import Settings
from verkeerstoren.storage import Database

HSTS = "strict-transport-security"


def test_hsts_is_sent_over_https_and_not_over_http(app: FastAPI, session: Session) -> None:
    with Browser(app, base_url="https://testserver") as secure:
        assert "max-age=" in secure.get("/healthz").headers[HSTS]
    with Browser(app, base_url="http://testserver") as plain:
        assert HSTS not in plain.get("/healthz").headers
        # An untrusted client cannot claim HTTPS.
        answer = plain.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert HSTS not in answer.headers


def test_hsts_follows_x_forwarded_proto_from_a_trusted_proxy_only(
    settings: Settings, db: Database, demo: DemoResult, session: Session
) -> None:
    app = create_app(settings.model_copy(update={"trusted_proxies": "10.1.0.0/16"}), db)
    proto = {"X-Forwarded-Proto": "https"}
    with Browser(app, base_url="http://testserver", client=("10.1.2.3", 4000)) as proxy:
        assert HSTS in proxy.get("/healthz", headers=proto).headers
        assert HSTS not in proxy.get("/healthz").headers
    with Browser(app, base_url="http://testserver", client=("10.2.0.1", 4000)) as stranger:
        assert HSTS not in stranger.get("/healthz", headers=proto).headers


def test_a_typo_in_trusted_proxies_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.1,proxy.local")


FORM = "/admin/users/new"
SAME_SITE = {"Referer": f"http://testserver{FORM}", "Origin": "http://testserver"}


def _send_user_form(browser: Browser, csrf: str, headers: dict[str, str]) -> int:
    answer = browser.post(FORM, data={"email": "nieuw@example.org", "name": "Nieuw",
                                      "password": "geheim-wachtwoord-1", "csrf_token": csrf},
                          headers=headers, follow_redirects=False)
    location = answer.headers.get("location", "")
    assert answer.status_code != 303 or location in (FORM, f"/login?next={FORM}"), location
    return answer.status_code


def test_a_form_sent_after_the_cookie_expired_goes_back_to_the_form_after_login(
    client: Browser, login: Callable[[str], Browser], demo: DemoResult
) -> None:
    admin = login("admin")
    csrf = admin.csrf
    admin.cookies.clear()  # the cookie expired while the form was open
    del admin.headers["X-CSRF-Token"]
    assert _send_user_form(admin, csrf, SAME_SITE) == 303
    login_page = admin.get(FORM)
    assert "Log opnieuw in" in login_page.text
    user = next(u for u in demo.users if u.email.startswith("admin@"))
    token = admin.refresh_csrf()
    back = admin.post("/login", data={"email": user.email, "password": user.password,
                                      "csrf_token": token, "next": FORM},
                      follow_redirects=False)
    assert back.headers["location"] == FORM
    form = admin.get(FORM)
    assert "data-restore-form=" in form.text
    # Once: a later visit of the form is a plain empty form.
    assert "data-restore-form=" not in admin.get(FORM).text


def test_a_form_sent_after_logout_elsewhere_goes_back_to_the_form_after_login(
    login: Callable[[str], Browser], app: FastAPI
) -> None:
    admin = login("admin")
    cookie = admin.cookies.get("vt_session")
    assert cookie is not None
    with Browser(app, base_url="http://testserver", cookies={"vt_session": cookie}) as tab:
        tab.post("/logout", headers={"X-CSRF-Token": admin.csrf})
    del admin.headers["X-CSRF-Token"]
    answer = admin.post(FORM, data={"email": "x@example.org", "csrf_token": admin.csrf},
                        headers=SAME_SITE, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={FORM}"


def test_another_sites_post_is_still_refused_as_an_expired_form(
    login: Callable[[str], Browser],
) -> None:
    admin = login("admin")
    del admin.headers["X-CSRF-Token"]
    evil = {"Referer": "https://evil.example/x", "Origin": "https://evil.example"}
    assert _send_user_form(admin, "wrong", evil) == 403
    assert _send_user_form(admin, "wrong", {}) == 403
    assert "data-restore-form=" not in admin.get(FORM).text
