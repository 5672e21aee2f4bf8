"""The API and pages: organisation scoping, the badge, the list, webhooks and their log."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.conftest import LOCAL, Browser
from tests.notifications.conftest import Receiver, org_of
from verkeerstoren.notifications import delivery, service
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

Login = Callable[[str], Browser]


def _notify(session: Session, who: str, unit: str) -> int:
    title, body = service.MESSAGES["reservation.new"]
    created = service.notify(session, organisation_id=org_of(session, who),
                             event="reservation.new", title=title, body=body,
                             link="/placement", payload={"unit": unit, "bed_type": "GRZ",
                                                         "hold_until": "14:30"})
    session.flush()
    return created.id


def test_a_provider_sees_only_its_own_organisations_notifications(
    session: Session, login: Login
) -> None:
    mine = _notify(session, "provider", "Afdeling Eigen")
    theirs = _notify(session, "provider2", "Afdeling Ander")
    browser = login("provider")

    listed = browser.get("/api/v1/notifications").json()
    ids = {n["id"] for n in listed}
    assert mine in ids
    assert theirs not in ids
    assert next(n for n in listed if n["id"] == mine)["title"] == (
        "New reservation for Afdeling Eigen")

    page = browser.get("/notifications")
    assert "Nieuwe reservering voor Afdeling Eigen" in page.text
    assert "Afdeling Ander" not in page.text

    answer = browser.post("/api/v1/notifications/read", json={"ids": [theirs]})
    assert answer.json() == {"marked": 0}
    assert login("provider2").get("/api/v1/notifications/unread-count").json()["unread"] >= 1


def test_the_badge_counts_unread_notifications_and_mark_all_read_clears_it(
    session: Session, login: Login
) -> None:
    browser = login("provider2")
    browser.post("/api/v1/notifications/read", json={})
    assert 'class="badge-count"' not in browser.get("/notifications/badge").text
    _notify(session, "provider2", "Afdeling Een")
    _notify(session, "provider2", "Afdeling Twee")

    badge = browser.get("/notifications/badge").text
    assert "Meldingen" in badge
    assert ">2</span>" in badge
    assert browser.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    home = browser.get("/")
    assert 'hx-get="/notifications/badge"' in home.text
    assert "/static/notifications.js" in home.text

    answer = browser.post("/notifications/read", data={"all": "1", "csrf_token": browser.csrf},
                          follow_redirects=False)
    assert answer.status_code == 303
    assert browser.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_a_provider_registers_a_webhook_and_sees_the_secret_once(login: Login) -> None:
    browser = login("provider")
    created = browser.post("/api/v1/webhooks", json={
        "url": "https://zorggroep.example/hooks", "events": ["reservation.new"]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    listed = browser.get("/api/v1/webhooks").json()
    assert [h["id"] for h in listed] == [body["id"]]
    assert "secret" not in listed[0]


def test_webhooks_are_scoped_to_the_own_organisation(session: Session, login: Login) -> None:
    provider = login("provider")
    hook = provider.post("/api/v1/webhooks", json={
        "url": "https://zorggroep.example/hooks", "events": ["report.stale"]}).json()
    other = login("provider2")

    assert hook["id"] not in {h["id"] for h in other.get("/api/v1/webhooks").json()}
    assert other.get(f"/api/v1/webhooks/{hook['id']}/deliveries").status_code == 404
    assert other.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    assert other.get(f"/notifications/webhooks/{hook['id']}").status_code == 404
    forbidden = other.post("/api/v1/webhooks", json={
        "url": "https://x.example/", "events": ["report.stale"],
        "organisation_id": org_of(session, "provider")})
    assert forbidden.status_code == 403

    admin = login("admin")
    assert hook["id"] in {h["id"] for h in admin.get("/api/v1/webhooks").json()}
    assert provider.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert provider.get("/api/v1/webhooks").json() == []


def test_bad_webhook_input_is_refused_with_a_clear_message(login: Login) -> None:
    browser = login("provider")
    for url in ("ftp://x.example/", "file:///etc/passwd", "https://user:pw@x.example/",
                "https://x.example/\x00", "http://[::1"):
        answer = browser.post("/api/v1/webhooks", json={"url": url, "events": ["report.stale"]})
        assert answer.status_code == 422, (url, answer.text)
    assert browser.post("/api/v1/webhooks", json={
        "url": "https://x.example/", "events": ["bogus"]}).status_code == 422
    assert browser.post("/api/v1/webhooks", json={
        "url": "https://x.example/", "events": []}).status_code == 422
    page = browser.post("/notifications/webhooks", data={
        "url": "ftp://x.example/", "events": "report.stale", "csrf_token": browser.csrf})
    assert page.status_code == 422
    assert "het adres moet beginnen met http:// of https://" in page.text


def test_roles_without_webhook_rights_are_refused(login: Login) -> None:
    assert login("coordinator").get("/api/v1/webhooks").status_code == 403
    assert login("viewer").get("/notifications/webhooks").status_code == 403


def test_the_webhook_page_registers_and_the_delivery_log_shows_every_attempt(
    session: Session, db: Database, login: Login, receiver: Receiver
) -> None:
    browser = login("provider")
    page = browser.post("/notifications/webhooks", data={
        "url": receiver.url, "events": ["reservation.new", "report.stale"],
        "csrf_token": browser.csrf})
    assert page.status_code == 200, page.text
    assert "whsec_" in page.text
    [hook] = browser.get("/api/v1/webhooks").json()
    _notify(session, "provider", "Afdeling Log")

    start = utcnow()
    delivery.deliver_due(db, start, outbound=LOCAL)
    delivery.deliver_due(db, start + delivery.backoff(1), outbound=LOCAL)

    [logged] = browser.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert logged["status"] == "delivered"
    assert logged["attempts"] == 2
    assert [a["status_code"] for a in logged["log"]] == [200, 500]
    html = browser.get(f"/notifications/webhooks/{hook['id']}").text
    assert "HTTP 500" in html
    assert "afgeleverd" in html


def test_a_webhook_to_an_internal_address_is_refused_with_a_clear_message(login: Login) -> None:
    browser = login("provider")
    for url in ("http://169.254.169.254/latest/", "https://192.168.1.10/hook",
                "http://[fd00::1]/hook"):  # the test app allows 127.0.0.0/8
        answer = browser.post("/api/v1/webhooks", json={"url": url, "events": ["report.stale"]})
        assert answer.status_code == 422, (url, answer.text)
        assert "internal network" in answer.json()["errors"][0]["message"]
    page = browser.post("/notifications/webhooks", data={
        "url": "https://192.168.1.10/hook", "events": "report.stale", "csrf_token": browser.csrf})
    assert page.status_code == 422
    # An IP address typed as such is named once (outbound.REFUSED_IP).
    assert "het adres 192.168.1.10 ligt op een intern netwerk" in page.text
    assert browser.get("/api/v1/webhooks").json() == []
