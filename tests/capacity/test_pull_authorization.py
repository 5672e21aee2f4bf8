"""A pull source that needs a credential (federation with another tower's token-protected
/fhir export, or a hospital system): the Authorization header goes with every pull, is stored
but never shown again, and a source without it is refused by such a server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from tests.conftest import LOCAL, Browser
from tests.local_http import QuietHandler, local_server
from verkeerstoren.capacity.models import BedState, PullSource
from verkeerstoren.capacity.pull.scheduler import run_due_pulls
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

TOKEN = "Bearer vt_federation-read-only-0123456789"


class _Guarded(QuietHandler):
    """Serves ``body`` only to a request with the right Authorization header, as a tower does."""

    body = b""
    seen: list[str | None] = []

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        ok = self.headers.get("Authorization") == TOKEN
        payload = self.body if ok else b'{"detail": "Not authenticated"}'
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

@pytest.fixture
def guarded(own_unit: UnitBedType) -> Iterator[tuple[str, list[str | None]]]:
    body = json.dumps({"reports": [{"unit_id": own_unit.unit_id,
                                    "bed_type_code": own_unit.bed_type_code,
                                    "staffed": 4, "occupied": 1}]}).encode()
    seen: list[str | None] = []
    handler = type("Handler", (_Guarded,), {"body": body, "seen": seen})
    with local_server(handler) as port:
        yield f"http://127.0.0.1:{port}/beds.json", seen


def test_the_credential_goes_with_every_pull_and_is_never_shown(
    login: Callable[[str], Browser], session: Session, db: Database, own_unit: UnitBedType,
    guarded: tuple[str, list[str | None]],
) -> None:
    url, seen = guarded
    provider = login("provider")
    answer = provider.post("/api/v1/pull-sources",
                           json={"url": url, "format": "json", "authorization": TOKEN})
    assert answer.status_code == 201, answer.text
    assert answer.json()["sends_authorization"] is True
    assert TOKEN not in answer.text
    assert TOKEN not in provider.get("/api/v1/pull-sources").text

    results = run_due_pulls(db, utcnow(), outbound=LOCAL)

    assert [r.ok for r in results if r.source_id == answer.json()["id"]] == [True]
    assert seen == [TOKEN]
    session.expire_all()
    state = session.get(BedState, (own_unit.unit_id, own_unit.bed_type_code))
    assert state is not None
    assert (state.staffed, state.occupied) == (4, 1)


def test_without_the_credential_the_pull_fails_and_says_so(
    login: Callable[[str], Browser], session: Session, guarded: tuple[str, list[str | None]],
) -> None:
    url, seen = guarded
    provider = login("provider")
    source = provider.post("/api/v1/pull-sources", json={"url": url, "format": "json"}).json()
    assert source["sends_authorization"] is False
    answer = provider.post(f"/api/v1/pull-sources/{source['id']}/run")
    assert answer.json()["last_ok"] is False
    assert seen == [None]
    stored = session.get(PullSource, source["id"])
    assert stored is not None
    assert stored.last_ok is False


@pytest.mark.parametrize("bad", ["short", "Bearer a\nInjected: yes", "x" * 501])
def test_a_bad_credential_is_refused_and_nothing_is_stored(
    login: Callable[[str], Browser], bad: str
) -> None:
    provider = login("provider")
    before = provider.get("/api/v1/pull-sources").json()
    answer = provider.post("/api/v1/pull-sources", json={
        "url": "http://127.0.0.1:9/x.json", "format": "json", "authorization": bad})
    assert answer.status_code == 422
    assert "authorization" in answer.text
    assert provider.get("/api/v1/pull-sources").json() == before
