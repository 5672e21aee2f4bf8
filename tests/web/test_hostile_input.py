"""What an attacker sends (issue 18, "Bad input"): oversized and deeply nested bodies, injection
strings in every text field of a placement request and a location, path traversal in upload
names, forged tokens and cookies. Each gets a clear 4xx (or is stored as the literal text it
is, and shown escaped), nothing else is written, nothing leaks, and the refusal is logged
(``verkeerstoren.web.refused``, web/limits.py). tests/web/test_bad_input.py covers NULs, CSV
and Excel files; the API fuzzer covers the schema at large."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.web.test_bad_input import HEADER, _own_unit, _request
from verkeerstoren.capacity.models import AvailabilityReport
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.registry.models import Location
from verkeerstoren.web.limits import MAX_BODY_BYTES

Login = Callable[[str], Browser]
REFUSALS = "verkeerstoren.web.refused"
SCRIPT = "<script>alert('vt')</script>"
# One of each kind: SQL, markup, template (Jinja and shell), spreadsheet formula, traversal,
# a right-to-left override.
INJECTIONS = ["x'); DROP TABLE placement_request; --", "\" OR 1=1 --", SCRIPT,
              "{{ 7*7 }} ${7*7} {% raw %}", "=HYPERLINK(\"http://evil.example\")",
              "../../../../etc/passwd", "abc\u202etxt.exe"]


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _logged(caplog: pytest.LogCaptureFixture, status: int) -> bool:
    return any(r.name == REFUSALS and f": {status} " in r.getMessage() for r in caplog.records)


@pytest.fixture
def refusals(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=REFUSALS)
    return caplog


def test_an_oversized_body_is_a_413_before_it_is_read(
        login: Login, session: Session, refusals: pytest.LogCaptureFixture) -> None:
    coordinator = login("coordinator")
    before = _count(session, PlacementRequest)
    body = b'{"pseudonym": "' + b"a" * MAX_BODY_BYTES + b'"}'
    answer = coordinator.post("/api/v1/placement/requests", content=body,
                              headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["errors"] == [{"field": "body", "message": "at most 25 MB"}]
    assert _count(session, PlacementRequest) == before
    assert _logged(refusals, 413)


def test_an_oversized_body_without_a_length_is_cut_off(
        login: Login, session: Session, refusals: pytest.LogCaptureFixture) -> None:
    coordinator = login("coordinator")
    before = _count(session, PlacementRequest)

    def chunks() -> Iterator[bytes]:
        yield b'{"care_needs": "'
        for _ in range(MAX_BODY_BYTES // (1024 * 1024) + 2):
            yield b"b" * 1024 * 1024

    answer = coordinator.post("/api/v1/placement/requests", content=chunks(),
                              headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert _count(session, PlacementRequest) == before
    assert _logged(refusals, 413)


@pytest.mark.parametrize("nested", ["[" * 100_000 + "]" * 100_000,
                                    '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_json_is_a_400(login: Login, session: Session, nested: str,
                                     refusals: pytest.LogCaptureFixture) -> None:
    before = _count(session, PlacementRequest)
    answer = login("coordinator").post("/api/v1/placement/requests", content=nested,
                                       headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert _count(session, PlacementRequest) == before
    assert _logged(refusals, 400)


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_a_requests_texts_are_stored_literally_and_shown_escaped(
        login: Login, session: Session, text: str) -> None:
    coordinator = login("coordinator")
    before = _count(session, PlacementRequest)
    refused = coordinator.post("/api/v1/placement/requests",
                               json=_request(pseudonym=text, bed_types=["short_stay_low"]))
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["pseudonym"]
    assert _count(session, PlacementRequest) == before

    made = coordinator.post("/api/v1/placement/requests", json=_request(
        pseudonym="hostile-00001", care_needs=text, referrer_name=text[:200],
        bed_types=["short_stay_low"]))
    if made.status_code == 422:  # refused by a field's own rule: named, nothing written
        assert {e["field"] for e in made.json()["errors"]} <= {"care_needs", "referrer_name"}
        assert _count(session, PlacementRequest) == before
        return
    assert made.status_code == 201, made.text
    stored = session.get(PlacementRequest, made.json()["id"])
    assert stored is not None
    assert (stored.care_needs, stored.referrer_name) == (text, text[:200])
    assert _count(session, PlacementRequest) == before + 1  # the table is still there
    page = coordinator.get(f"/placement/requests/{stored.id}")
    assert page.status_code == 200
    assert SCRIPT not in page.text
    if text == SCRIPT:
        assert "&lt;script&gt;" in page.text
    if text.startswith("{{"):
        assert "{{ 7*7 }}" in page.text  # shown, not evaluated


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_a_locations_texts_are_refused_or_stored_literally(
        login: Login, session: Session, text: str) -> None:
    provider = login("provider")
    before = _count(session, Location)
    answer = provider.post("/api/v1/locations", json={
        "name": text, "street": text[:200], "city": text[:100], "postcode": "2712 AB",
        "gemeente_code": "GM0637"})
    assert answer.status_code in (201, 422), answer.text
    if answer.status_code == 422:
        assert answer.json()["errors"], answer.text
        assert _count(session, Location) == before
        return
    stored = session.get(Location, answer.json()["id"])
    assert stored is not None
    assert stored.name == text
    listing = provider.get("/registry/locations")
    assert SCRIPT not in listing.text


@pytest.mark.parametrize("name", ["../../vt-traversal-probe.csv", "..\\..\\vt-traversal-probe.csv",
                                  "/etc/vt-traversal-probe.csv", f"{SCRIPT}.csv",
                                  "vt-traversal-probe.csv\x00.xlsx"])
def test_upload_names_are_never_paths_and_never_echoed_raw(
        login: Login, session: Session, name: str, tmp_path: Path) -> None:
    unit = _own_unit(session)
    provider = login("provider")
    before = _count(session, AvailabilityReport)
    content = (HEADER + f"{unit.unit_id},{unit.bed_type_code},1,0,ok\n").encode()
    answer = provider.post("/api/v1/availability/upload", files={"file": (name, content)})
    assert answer.status_code in (201, 422), answer.text
    assert SCRIPT not in answer.text
    page = provider.post("/capacity/upload", files={"file": (name, content)},
                         data={"csrf_token": provider.csrf})
    assert page.status_code < 500
    assert SCRIPT not in page.text
    # The name is only a hint for the format: nothing is written anywhere by that name.
    for folder in (Path.cwd(), Path.cwd().parent, Path.cwd().parent.parent, Path("/etc")):
        assert not (folder / "vt-traversal-probe.csv").exists()
    if answer.status_code == 201:
        assert _count(session, AvailabilityReport) > before


def test_forged_tokens_and_cookies_get_401_and_see_nothing(
        app: object, login: Login, client: Browser, session: Session,
        refusals: pytest.LogCaptureFixture) -> None:
    coordinator = login("coordinator")
    organisation_id = coordinator.get("/api/v1/me").json()["organisation_id"]
    real = login("admin").post("/api/v1/tokens", json={
        "name": "forgery test", "role": "coordinator", "organisation_id": organisation_id})
    assert real.status_code == 201, real.text
    secret = real.json()["secret"]
    works = client.get("/api/v1/placement/requests",
                       headers={"Authorization": f"Bearer {secret}"})
    assert works.status_code == 200  # the real one opens the list...
    # ...a forged one (the real one with its end changed, among others) does not.
    forged_tokens = ["vt_" + "A" * 40, "vt_forged", "x" * 10_000, "vt_' OR '1'='1",
                     secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")]
    for token in forged_tokens:
        answer = client.get("/api/v1/placement/requests",
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, (token[:20], answer.status_code)
        assert "pseudonym" not in answer.text
    cookie = coordinator.cookies.get("vt_session")
    assert cookie
    tampered = cookie[:-3] + ("abc" if not cookie.endswith("abc") else "xyz")
    for value in (tampered, "e30=.forged.signature", "x" * 5000):
        client.cookies.set("vt_session", value)
        answer = client.get("/api/v1/placement/requests")
        assert answer.status_code == 401, value[:20]
        assert "pseudonym" not in answer.text
    assert _logged(refusals, 401)
