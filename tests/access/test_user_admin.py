"""Administration in the browser (issue 14 item 6): edit a user, change the role, deactivate,
reset the password — each takes effect at once for the user concerned."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import FORM_CSRF_RE, Browser
from verkeerstoren.access.models import User
from verkeerstoren.access.roles import Role


def _user(session: Session, who: str) -> User:
    found = session.scalar(select(User).where(User.email == f"{who}@demo.verkeerstoren.nl"))
    assert found is not None
    return found


def _post(admin: Browser, path: str, data: dict[str, str]) -> tuple[int, str]:
    page = admin.get(path.removesuffix("/password"))
    token = FORM_CSRF_RE.search(page.text)
    assert token
    answer = admin.post(path, data={**data, "csrf_token": token.group(1)},
                        follow_redirects=False)
    return answer.status_code, answer.text


def test_the_user_list_links_to_each_user(login: Callable[[str], Browser],
                                          session: Session) -> None:
    admin = login("admin")
    viewer = _user(session, "viewer")
    assert f'href="/admin/users/{viewer.id}"' in admin.get("/admin/users").text
    page = admin.get(f"/admin/users/{viewer.id}")
    assert page.status_code == 200
    assert "Mag inloggen" in page.text
    assert "Nieuw wachtwoord" in page.text


def test_a_role_change_and_deactivation_log_the_user_out_at_once(
    login: Callable[[str], Browser], session: Session
) -> None:
    analyst_browser = login("analyst")
    assert analyst_browser.get("/", follow_redirects=False).status_code == 200
    admin = login("admin")
    analyst = _user(session, "analyst")
    status, _ = _post(admin, f"/admin/users/{analyst.id}", {
        "name": "Andere Naam", "role": "viewer", "organisation_id": str(analyst.organisation_id),
        "active": "true"})
    assert status == 303
    session.refresh(analyst)
    assert (analyst.name, analyst.role, analyst.active) == ("Andere Naam", Role.VIEWER, True)
    assert analyst_browser.get("/", follow_redirects=False).status_code == 303  # to the login
    status, _ = _post(admin, f"/admin/users/{analyst.id}", {
        "name": "Andere Naam", "role": "viewer", "organisation_id": str(analyst.organisation_id)})
    assert status == 303
    session.refresh(analyst)
    assert analyst.active is False


def test_an_admin_cannot_lock_themself_out(login: Callable[[str], Browser],
                                           session: Session) -> None:
    admin = login("admin")
    me = _user(session, "admin")
    status, text = _post(admin, f"/admin/users/{me.id}", {
        "name": me.name, "role": "viewer", "organisation_id": str(me.organisation_id),
        "active": "true"})
    assert status == 422
    assert "eigen beheerdersrechten" in text
    session.refresh(me)
    assert me.role == Role.ADMIN


def test_a_bad_edit_changes_nothing_and_names_the_field(login: Callable[[str], Browser],
                                                        session: Session) -> None:
    admin = login("admin")
    viewer = _user(session, "viewer")
    status, text = _post(admin, f"/admin/users/{viewer.id}", {
        "name": "", "role": "nonsense", "organisation_id": "x", "active": "true"})
    assert status == 422
    assert "has-error" in text
    session.refresh(viewer)
    assert viewer.role == Role.VIEWER
    assert viewer.name


def test_a_password_reset_works_and_a_weak_one_is_refused(
    login: Callable[[str], Browser], session: Session
) -> None:
    admin = login("admin")
    viewer = _user(session, "viewer")
    old_hash = viewer.password_hash
    status, text = _post(admin, f"/admin/users/{viewer.id}/password", {"password": "kort"})
    assert "tekens" in text  # the password rule, in Dutch
    assert status == 422
    session.refresh(viewer)
    assert viewer.password_hash == old_hash
    status, _ = _post(admin, f"/admin/users/{viewer.id}/password",
                      {"password": "een-nieuw-lang-wachtwoord"})
    assert status == 303
    session.refresh(viewer)
    assert viewer.password_hash != old_hash


def test_other_roles_cannot_edit_users(login: Callable[[str], Browser],
                                       session: Session) -> None:
    coordinator = login("coordinator")
    viewer = _user(session, "viewer")
    assert coordinator.get(f"/admin/users/{viewer.id}").status_code == 403
    assert coordinator.post(f"/admin/users/{viewer.id}", data={"name": "x"}).status_code == 403
