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


DEEP_ARRAYS = "[" * 10_000 + "]" * 10_000
DEEP_OBJECTS = '{"a":' * 10_000 + "1" + "}" * 10_000
# Deep inside a valid-looking body, under a key and an array element.
DEEP_INSIDE = '{"reports": [{"unit_id": 1}, {"x": ' + "[" * 200 + "]" * 200 + "}]}"


@pytest.mark.parametrize(("role", "path", "model"), [
    ("coordinator", "/api/v1/placement/requests", PlacementRequest),
    ("provider", "/api/v1/availability", AvailabilityReport),
    ("provider", "/api/v1/availability/bulk", AvailabilityReport),
    ("admin", "/api/v1/locations", Location),
])
@pytest.mark.parametrize("nested", [DEEP_ARRAYS, DEEP_OBJECTS])
def test_deeply_nested_json_is_a_400_that_says_how_deep_and_where(
        login: Login, session: Session, nested: str, role: str, path: str, model: type,
        refusals: pytest.LogCaptureFixture) -> None:
    before = _count(session, model)
    answer = login(role).post(path, content=nested,
                              headers={"content-type": "application/json"})
    assert answer.status_code == 400
    found = answer.json()
    # The first bracket past 64 levels is the 65th; its offset counted by hand: 64 brackets
    # (arrays) or 64 × len('{"a":') = 320 characters (objects) come before it.
    where = "character 65, at $[0]" if nested is DEEP_ARRAYS else "character 321, at $.a.a"
    assert "nested too deeply: more than 64 levels" in found["detail"]
    assert where in found["detail"]
    assert [e["field"] for e in found["errors"]] == ["body"]
    assert _count(session, model) == before
    assert _logged(refusals, 400)
    assert any("JSON nested deeper than 64 levels" in r.getMessage()
               for r in refusals.records)


def test_the_path_to_the_deep_place_is_named(login: Login, session: Session) -> None:
    before = _count(session, AvailabilityReport)
    answer = login("provider").post("/api/v1/availability/bulk", content=DEEP_INSIDE,
                                    headers={"content-type": "application/json"})
    assert answer.status_code == 400
    # Levels: the object, "reports", element 1's object, "x", then 61 arrays of [0] each.
    detail = answer.json()["detail"]
    assert "at $.reports[1].x[0][0]" in detail, detail
    assert _count(session, AvailabilityReport) == before


def test_json_within_the_depth_limit_reaches_the_field_validation(login: Login) -> None:
    # 60 levels: not refused for depth; the schema then names the field that is wrong.
    body = '{"reports": ' + "[" * 60 + "]" * 60 + "}"
    answer = login("provider").post("/api/v1/availability/bulk", content=body,
                                    headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert "nested" not in answer.text


def test_brackets_inside_strings_are_not_nesting(login: Login, session: Session) -> None:
    made = login("coordinator").post("/api/v1/placement/requests", json=_request(
        pseudonym="deep-text-0001", care_needs="[" * 500 + "{" * 400,
        bed_types=["short_stay_low"]))
    assert made.status_code == 201, made.text
    stored = session.get(PlacementRequest, made.json()["id"])
    assert stored is not None
    assert stored.care_needs == "[" * 500 + "{" * 400


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
