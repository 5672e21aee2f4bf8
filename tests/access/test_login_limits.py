"""Login rate limits per account and per address: 429, Retry-After and a Dutch message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.models import LoginAttempt
from verkeerstoren.app import create_app
from verkeerstoren.demo.builder import DemoResult
from verkeerstoren.settings import Settings
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

WRONG = "niet-het-wachtwoord"


@pytest.fixture(scope="module")
def limited_app(settings: Settings, db: Database, demo: DemoResult) -> FastAPI:
    return create_app(settings.model_copy(update={
        "login_max_failures_per_account": 3, "login_max_failures_per_address": 5,
        "login_failure_window_minutes": 15}), db)


@pytest.fixture
def browser_at(
    limited_app: FastAPI, session: Session
) -> Iterator[Callable[[str], Browser]]:
    opened: list[Browser] = []

    def _open(ip: str) -> Browser:
        browser = Browser(limited_app, base_url="http://testserver", client=(ip, 50000))
        browser.__enter__()
        opened.append(browser)
        browser.refresh_csrf()
        return browser

    yield _open
    for browser in opened:
        browser.__exit__(None, None, None)


def _try(browser: Browser, email: str, password: str) -> int:
    answer = browser.post("/login", data={"email": email, "password": password,
                                          "csrf_token": browser.csrf}, follow_redirects=False)
    return answer.status_code


def _user(demo: DemoResult, key: str) -> tuple[str, str]:
    user = next(u for u in demo.users if u.email.startswith(f"{key}@"))
    return user.email, user.password


def test_an_account_is_refused_after_its_failures_even_with_the_right_password(
    browser_at: Callable[[str], Browser], demo: DemoResult
) -> None:
    email, password = _user(demo, "viewer")
    browser = browser_at("10.0.0.1")
    assert [_try(browser, email, WRONG) for _ in range(3)] == [401, 401, 401]
    answer = browser.post("/login", data={"email": email.upper(), "password": password,
                                          "csrf_token": browser.csrf}, follow_redirects=False)
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["retry-after"]) <= 15 * 60
    assert "Te veel mislukte inlogpogingen" in answer.text
    # From another address too: the limit is the account's.
    assert _try(browser_at("10.0.0.2"), email, password) == 429
    # Another account from the first address is not affected.
    other, other_password = _user(demo, "analyst")
    assert _try(browser, other, other_password) == 303


def test_a_successful_login_resets_the_account_counter(
    browser_at: Callable[[str], Browser], demo: DemoResult
) -> None:
    email, password = _user(demo, "provider2")
    browser = browser_at("10.0.1.1")
    assert [_try(browser, email, WRONG) for _ in range(2)] == [401, 401]
    assert _try(browser, email, password) == 303
    fresh = browser_at("10.0.1.1")
    assert [_try(fresh, email, WRONG) for _ in range(2)] == [401, 401]
    assert _try(fresh, email, password) == 303


def test_an_address_is_refused_after_its_failures_on_any_accounts(
    browser_at: Callable[[str], Browser], demo: DemoResult
) -> None:
    browser = browser_at("10.0.2.1")
    codes = [_try(browser, f"raden{i}@example.org", WRONG) for i in range(5)]
    assert codes == [401] * 5
    email, password = _user(demo, "referrer")
    answer = browser.post("/login", data={"email": email, "password": password,
                                          "csrf_token": browser.csrf}, follow_redirects=False)
    assert answer.status_code == 429
    assert "retry-after" in answer.headers
    # Another address logs in as usual.
    assert _try(browser_at("10.0.2.2"), email, password) == 303


def test_failures_older_than_the_window_do_not_count(
    browser_at: Callable[[str], Browser], demo: DemoResult, session: Session
) -> None:
    email, password = _user(demo, "coordinator")
    long_ago = utcnow() - timedelta(minutes=16)
    session.execute(insert(LoginAttempt), [
        {"email": email, "ip": "10.0.3.1", "at": long_ago} for _ in range(10)])
    session.flush()
    assert _try(browser_at("10.0.3.1"), email, password) == 303


def test_retry_after_is_when_the_oldest_counted_failure_leaves_the_window(
    browser_at: Callable[[str], Browser], demo: DemoResult, session: Session
) -> None:
    email, password = _user(demo, "admin")
    now = utcnow()
    session.execute(insert(LoginAttempt), [
        {"email": email, "ip": "10.0.4.9", "at": now - timedelta(minutes=m)} for m in (1, 2, 10)])
    session.flush()
    browser = browser_at("10.0.4.1")
    answer = browser.post("/login", data={"email": email, "password": password,
                                          "csrf_token": browser.csrf}, follow_redirects=False)
    assert answer.status_code == 429
    # The failure 10 minutes ago leaves the 15-minute window in about 5 minutes.
    assert 4 * 60 <= int(answer.headers["retry-after"]) <= 5 * 60 + 1
    assert "over 5 minuten" in answer.text
