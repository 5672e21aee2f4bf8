"""Scheduled pull from a provider's own endpoint: real HTTP on 127.0.0.1, all or nothing."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import LOCAL, Browser
from tests.local_http import QuietHandler, local_server
from verkeerstoren.capacity.models import AvailabilityReport, BedState, PullSource, ReportSource
from verkeerstoren.capacity.pull.scheduler import run_due_pulls
from verkeerstoren.outbound import Outbound
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

Served = dict[str, tuple[int, bytes]]


class _Provider(QuietHandler):
    """Answers GET /<name> with whatever the test put in ``routes``."""

    routes: Served = {}

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, b"not here"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

@pytest.fixture
def provider_site() -> Iterator[tuple[str, Served]]:
    """A tiny web server of the provider's own: (base URL, path → (status, body))."""
    routes: Served = {}
    handler = type("Handler", (_Provider,), {"routes": routes})
    with local_server(handler) as port:
        yield f"http://127.0.0.1:{port}", routes


def _reports(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AvailabilityReport)) or 0


def _register(browser: Browser, url: str, fmt: str = "csv", **extra: object) -> dict[str, object]:
    answer = browser.post("/api/v1/pull-sources", json={"url": url, "format": fmt, **extra})
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_a_due_csv_pull_writes_reports_and_records_the_result(
    login: Callable[[str], Browser], session: Session, db: Database, own_unit: UnitBedType,
    provider_site: tuple[str, Served],
) -> None:
    base, routes = provider_site
    routes["/beds.csv"] = (200, (
        "unit_id;bed_type_code;staffed;occupied;blocked\n"
        f"{own_unit.unit_id};{own_unit.bed_type_code};3;1;0\n").encode("cp1252"))
    source = _register(login("provider"), f"{base}/beds.csv")
    before = _reports(session)

    results = run_due_pulls(db, utcnow(), outbound=LOCAL)

    assert [r.ok for r in results if r.source_id == source["id"]] == [True]
    session.expire_all()
    assert _reports(session) == before + 1
    state = session.get(BedState, (own_unit.unit_id, own_unit.bed_type_code))
    assert state is not None
    assert (state.staffed, state.occupied, state.available) == (3, 1, 2 - state.held)
    latest = session.scalars(select(AvailabilityReport).order_by(
        AvailabilityReport.id.desc())).first()
    assert latest is not None
    assert latest.source is ReportSource.PULL
    stored = session.get(PullSource, source["id"])
    assert stored is not None
    assert stored.last_ok is True
    assert stored.last_run_at is not None
    # Not due again until its interval has passed.
    again = run_due_pulls(db, utcnow(), outbound=LOCAL)
    assert [r for r in again if r.source_id == source["id"]] == []


def test_a_json_pull_can_be_run_at_once_through_the_api(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType,
    provider_site: tuple[str, Served],
) -> None:
    base, routes = provider_site
    routes["/beds.json"] = (200, json.dumps({"reports": [{
        "unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code,
        "staffed": 4, "occupied": 2, "remark": "uit ons ECD"}]}).encode())
    provider = login("provider")
    source = _register(provider, f"{base}/beds.json", "json")
    before = _reports(session)

    answer = provider.post(f"/api/v1/pull-sources/{source['id']}/run")

    assert answer.status_code == 200, answer.text
    assert answer.json()["last_ok"] is True
    assert answer.json()["last_accepted"] == 1
    assert _reports(session) == before + 1
    listed = provider.get("/api/v1/pull-sources").json()
    assert [s["id"] for s in listed] == [source["id"]]


def test_a_bad_file_writes_nothing_and_the_provider_sees_row_and_column(
    login: Callable[[str], Browser], session: Session, db: Database, own_unit: UnitBedType,
    provider_site: tuple[str, Served],
) -> None:
    base, routes = provider_site
    routes["/beds.csv"] = (200, (
        "unit_id,bed_type_code,staffed,occupied\n"
        f"{own_unit.unit_id},{own_unit.bed_type_code},3,1\n"
        f"{own_unit.unit_id},{own_unit.bed_type_code},drie,1\n").encode())
    provider = login("provider")
    source = _register(provider, f"{base}/beds.csv")
    before = _reports(session)

    results = [r for r in run_due_pulls(db, utcnow(), outbound=LOCAL)
               if r.source_id == source["id"]]

    assert [r.ok for r in results] == [False]
    assert _reports(session) == before
    listed = provider.get("/api/v1/pull-sources").json()
    assert listed[0]["last_ok"] is False
    assert listed[0]["last_problems"] == [
        {"row": 3, "field": "staffed", "message": "not a whole number"}]
    page = provider.get("/capacity/upload")
    assert "mislukt; er is niets opgeslagen" in page.text
    assert "Rij 3, staffed" in page.text


def test_a_pull_cannot_report_for_another_organisations_unit(
    login: Callable[[str], Browser], session: Session, db: Database, own_unit: UnitBedType,
    other_unit: UnitBedType, provider_site: tuple[str, Served],
) -> None:
    base, routes = provider_site
    routes["/beds.json"] = (200, json.dumps([
        {"unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code,
         "staffed": 2, "occupied": 0},
        {"unit_id": other_unit.unit_id, "bed_type_code": other_unit.bed_type_code,
         "staffed": 2, "occupied": 0}]).encode())
    provider = login("provider")
    source = _register(provider, f"{base}/beds.json", "json")
    before = _reports(session)

    # The scheduler runs without a logged-in user: its actor is confined to the source's
    # organisation, so the other organisation's row stops the whole pull.
    result = [r for r in run_due_pulls(db, utcnow(), outbound=LOCAL) if r.source_id == source["id"]]

    assert [r.ok for r in result] == [False]
    assert [(p.row, p.field, p.message) for p in result[0].problems] == [
        (2, "unit_id", "unit {unit} belongs to another organisation")]
    assert _reports(session) == before
    # Run through the API, the provider's own session does not even see the other unit.
    body = provider.post(f"/api/v1/pull-sources/{source['id']}/run").json()
    assert body["last_ok"] is False
    assert body["last_problems"][0]["row"] == 2
    assert _reports(session) == before


def test_a_provider_cannot_register_or_run_a_pull_for_another_organisation(
    login: Callable[[str], Browser], session: Session, other_unit: UnitBedType,
    provider_site: tuple[str, Served],
) -> None:
    base, _ = provider_site
    other_org = session.get(CareUnit, other_unit.unit_id)
    assert other_org is not None
    provider = login("provider")
    answer = provider.post("/api/v1/pull-sources", json={
        "url": f"{base}/x.csv", "organisation_id": other_org.organisation_id})
    assert answer.status_code == 403
    theirs = _register(login("provider2"), f"{base}/theirs.csv")
    assert provider.post(f"/api/v1/pull-sources/{theirs['id']}/run").status_code == 404
    assert provider.get("/api/v1/pull-sources").json() == []


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "ftp://example.org/beds.csv", "gopher://x/", "http://",
    "https://user:secret@example.org/beds.csv",
])
def test_only_plain_http_addresses_are_accepted(
    login: Callable[[str], Browser], url: str
) -> None:
    answer = login("provider").post("/api/v1/pull-sources", json={"url": url})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "url"


def test_an_address_that_does_not_answer_is_recorded_as_failed(
    login: Callable[[str], Browser], db: Database, provider_site: tuple[str, Served],
) -> None:
    base, _ = provider_site
    source = _register(login("provider"), f"{base}/missing.csv")
    result = [r for r in run_due_pulls(db, utcnow(), outbound=LOCAL) if r.source_id == source["id"]]
    assert [r.ok for r in result] == [False]
    assert result[0].problems[0].params == {"status": 404}


def test_the_provider_registers_a_pull_on_the_upload_page(
    login: Callable[[str], Browser], session: Session,
) -> None:
    provider = login("provider")
    answer = provider.post("/capacity/pull-sources", data={
        "url": "https://ecd.example.org/bedden.csv", "format": "csv",
        "interval_minutes": "10", "csrf_token": provider.csrf})
    assert answer.status_code == 200  # followed the redirect back to the page
    assert "https://ecd.example.org/bedden.csv" in answer.text
    assert "Nog niet opgehaald." in answer.text
    refused = provider.post("/capacity/pull-sources", data={
        "url": "file:///etc/passwd", "format": "csv", "csrf_token": provider.csrf})
    assert refused.status_code == 422
    assert "moet beginnen met http://" in refused.text


def test_an_internal_address_is_refused_when_registered(
    login: Callable[[str], Browser],
) -> None:
    provider = login("provider")
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/beds.csv",
                "http://[::ffff:a00:5]/beds.csv"):
        answer = provider.post("/api/v1/pull-sources", json={"url": url})
        assert answer.status_code == 422, url
        assert answer.json()["errors"][0]["field"] == "url"
        assert "internal network" in answer.json()["errors"][0]["message"]
    page = provider.post("/capacity/pull-sources", data={
        "url": "http://10.0.0.5/beds.csv", "format": "json", "interval_minutes": "15",
        "csrf_token": provider.csrf})
    assert page.status_code == 422
    # Named once, the typed address stays in the field, and the page is a GET (the refusal
    # redirected), so a refresh does not post the form again.
    assert ("het adres 10.0.0.5 ligt op een intern netwerk; alleen adressen op het openbare "
            "internet zijn toegestaan") in page.text
    assert "(10.0.0.5)" not in page.text
    assert 'name="url" maxlength="500" required value="http://10.0.0.5/beds.csv"' in page.text
    assert '<option value="json" selected>' in page.text
    assert 'name="interval_minutes" min="1" max="1440" value="15"' in page.text
    assert page.url.path == "/capacity/upload"
    assert [r.status_code for r in page.history] == [303]
    assert provider.get("/api/v1/pull-sources").json() == []
    bad = provider.post("/capacity/pull-sources", data={
        "url": "https://ecd.example.org/b.csv", "interval_minutes": "0",
        "csrf_token": provider.csrf})
    assert bad.status_code == 422
    assert "Elke (minuten): " in bad.text
    assert "interval_minutes" not in bad.text.split('id="pull"')[1].split("<form")[0]


def test_an_unreachable_address_is_explained_in_dutch_and_a_source_can_be_paused(
    login: Callable[[str], Browser], session: Session,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = login("provider")
    source = _register(provider, f"http://127.0.0.1:{port}/beds.csv")
    page = provider.post(f"/capacity/pull-sources/{source['id']}/run").text
    assert ("het adres is niet bereikbaar: controleer het adres en of de server op internet "
            "bereikbaar is") in page
    assert "ConnectError" not in page
    assert "url:" not in page
    paused = provider.post(f"/capacity/pull-sources/{source['id']}/active",
                           data={"active": "false", "csrf_token": provider.csrf})
    assert paused.status_code == 200
    assert "gepauzeerd" in paused.text
    assert ">Hervatten</button>" in paused.text
    [listed] = provider.get("/api/v1/pull-sources").json()
    assert listed["active"] is False
    provider.post(f"/capacity/pull-sources/{source['id']}/active",
                  data={"active": "true", "csrf_token": provider.csrf})
    assert provider.get("/api/v1/pull-sources").json()[0]["active"] is True
    assert login("provider2").post(f"/capacity/pull-sources/{source['id']}/active",
                                   data={"active": "false"}).status_code in (403, 404)


def test_a_pull_is_refused_at_fetch_time_and_the_provider_sees_why(
    login: Callable[[str], Browser], session: Session, db: Database,
    provider_site: tuple[str, Served], own_unit: UnitBedType,
) -> None:
    """Saved while allowed (or while the name pointed elsewhere), refused when fetched."""
    base, routes = provider_site
    routes["/beds.csv"] = (200, (
        "unit_id,bed_type_code,staffed,occupied\n"
        f"{own_unit.unit_id},{own_unit.bed_type_code},3,1\n").encode())
    provider = login("provider")
    source = _register(provider, f"{base}/beds.csv")
    before = _reports(session)

    results = [r for r in run_due_pulls(db, utcnow(), outbound=Outbound())
               if r.source_id == source["id"]]

    assert [r.ok for r in results] == [False]
    assert results[0].problems[0].params == {"host": "127.0.0.1", "address": "127.0.0.1"}
    assert _reports(session) == before
    [shown] = provider.get("/api/v1/pull-sources").json()
    assert "127.0.0.1 is on an internal network" in shown["last_message"]
    page = provider.get("/capacity/upload").text
    assert "het adres 127.0.0.1 ligt op een intern netwerk" in page
