"""Server-side sessions: logging out or a password reset ends the session itself, not only the
browser's copy of the cookie."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access import service
from verkeerstoren.access.models import User, UserSession
from verkeerstoren.demo.builder import DemoResult
from verkeerstoren.storage.base import utcnow


def _cookie(browser: Browser) -> str:
    value = browser.cookies.get("vt_session")
    assert value
    return value


def test_the_old_cookie_no_longer_works_after_logout(
    login: Callable[[str], Browser], app: FastAPI
) -> None:
    browser = login("coordinator")
    stolen = _cookie(browser)
    assert browser.post("/logout", follow_redirects=False).status_code == 303
    with Browser(app, base_url="http://testserver", cookies={"vt_session": stolen}) as other:
        assert other.get("/", follow_redirects=False).status_code == 303
        assert other.get("/api/v1/me", headers={"Accept": "application/json"}).status_code == 401


def test_a_login_is_a_session_row_that_logout_ends(
    login: Callable[[str], Browser], session: Session
) -> None:
    browser = login("analyst")
    user = session.scalar(select(User).where(User.email.startswith("analyst@")))
    assert user is not None
    live = list(session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                          UserSession.ended_at.is_(None))))
    assert len(live) == 1
    browser.post("/logout")
    session.expire_all()
    assert session.get(UserSession, live[0].id).ended_at is not None  # type: ignore[union-attr]


def test_a_password_reset_ends_the_old_cookie_everywhere(
    login: Callable[[str], Browser], app: FastAPI, session: Session, demo: DemoResult
) -> None:
    stolen = _cookie(login("viewer"))
    viewer = next(u for u in demo.users if u.email.startswith("viewer@"))
    service.set_password(session, viewer.email, "een-heel-nieuw-wachtwoord")
    session.flush()
    with Browser(app, base_url="http://testserver", cookies={"vt_session": stolen}) as other:
        assert other.get("/", follow_redirects=False).status_code == 303
    user = session.scalar(select(User).where(User.email == viewer.email))
    assert user is not None
    assert session.scalar(select(UserSession).where(UserSession.user_id == user.id,
                                                    UserSession.ended_at.is_(None))) is None


def test_another_login_of_the_same_user_survives_a_logout(
    login: Callable[[str], Browser],
) -> None:
    first, second = login("provider2"), login("provider2")
    first.post("/logout")
    assert second.get("/", follow_redirects=False).status_code == 200


def test_a_login_drops_the_users_long_dead_sessions(
    login: Callable[[str], Browser], session: Session
) -> None:
    user = session.scalar(select(User).where(User.email.startswith("referrer@")))
    assert user is not None
    old = utcnow() - timedelta(days=40)
    session.execute(insert(UserSession).values(id="0" * 64, user_id=user.id, created_at=old,
                                               last_seen_at=old))
    session.flush()
    login("referrer")
    session.expire_all()
    assert session.get(UserSession, "0" * 64) is None
