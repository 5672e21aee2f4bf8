"""Login, logout, sessions and CSRF."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access import service
from verkeerstoren.demo.builder import DemoResult


def test_the_home_page_sends_an_anonymous_visitor_to_the_login_form(client: Browser) -> None:
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/"


def test_a_coordinator_logs_in_and_sees_a_dutch_home_page_for_the_role(
    login: Callable[[str], Browser],
) -> None:
    page = login("coordinator").get("/")
    assert page.status_code == 200
    assert "transferverpleegkundige" in page.text
    assert "passend bed" in page.text


def test_a_wrong_password_is_refused_with_a_dutch_message_and_audited(
    client: Browser, demo: DemoResult, session: Session
) -> None:
    token = client.refresh_csrf()
    answer = client.post("/login", data={"email": demo.users[0].email, "password": "wrong-one-123",
                                         "csrf_token": token})
    assert answer.status_code == 401
    assert "Onbekend e-mailadres of onjuist wachtwoord" in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_login_post_without_csrf_token_is_refused(client: Browser, demo: DemoResult) -> None:
    client.get("/login")
    answer = client.post("/login", data={"email": demo.users[0].email,
                                         "password": demo.users[0].password})
    assert answer.status_code == 403
    assert "Formulier verlopen" in answer.text


def test_login_never_redirects_to_another_site(client: Browser, demo: DemoResult) -> None:
    token = client.refresh_csrf()
    user = demo.users[0]
    answer = client.post("/login", data={"email": user.email, "password": user.password,
                                         "csrf_token": token, "next": "//evil.example/x"},
                         follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_logging_out_ends_the_session(login: Callable[[str], Browser]) -> None:
    browser = login("viewer")
    assert browser.post("/logout", follow_redirects=False).status_code == 303
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_a_password_reset_ends_existing_sessions(
    login: Callable[[str], Browser], session: Session, demo: DemoResult
) -> None:
    browser = login("analyst")
    analyst = next(u for u in demo.users if u.email.startswith("analyst@"))
    service.set_password(session, analyst.email, "een-heel-nieuw-wachtwoord")
    session.flush()
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_http_only_and_same_site(client: Browser, demo: DemoResult) -> None:
    token = client.refresh_csrf()
    user = demo.users[0]
    answer = client.post("/login", data={"email": user.email, "password": user.password,
                                         "csrf_token": token}, follow_redirects=False)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_the_interface_switches_to_english(login: Callable[[str], Browser]) -> None:
    browser = login("coordinator")
    browser.post("/locale", data={"locale": "en", "next": "/", "csrf_token": browser.csrf})
    page = browser.get("/")
    assert "Log out" in page.text
    assert "Uitloggen" not in page.text
