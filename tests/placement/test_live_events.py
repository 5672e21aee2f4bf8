"""The placement event stream tells each user only of the requests that user may open (issue 18).

The truth is the request page's own answer for that user (200, or 404/403), not the stream's
filter: two referrers of different organisations, the coordination point, the administrator
and the provider whose bed was held follow the same changes, made through the services as the
pages make them, and each stream must carry exactly the events about the requests that user's
request page shows.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import CSRF_RE, TEST_PASSWORD, Browser, is_postgres
from tests.placement.conftest import request_in, user_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.service import actor_for_user, create_user
from verkeerstoren.placement import service
from verkeerstoren.placement.schemas import DetailsIn
from verkeerstoren.registry.models import Organisation, UnitBedType
from verkeerstoren.storage import Database, events
from verkeerstoren.web import sse

DEADLINE_SECONDS = 20


def _browser(app: FastAPI, email: str) -> Browser:
    browser = Browser(app, base_url="http://testserver")
    browser.__enter__()
    token = browser.refresh_csrf()
    answer = browser.post("/login", data={"email": email, "password": TEST_PASSWORD,
                                          "csrf_token": token, "next": "/"},
                          follow_redirects=False)
    assert answer.status_code == 303, answer.text
    match = CSRF_RE.search(browser.get("/").text)
    assert match
    browser.csrf = match.group(1)
    browser.headers["X-CSRF-Token"] = browser.csrf
    return browser


def _heard(db: Database, browser: Browser, messages: list[dict[str, Any]],
           wanted: int) -> list[int]:
    """The request ids of the first ``wanted`` events on the user's stream once ``messages``
    were published, in order, as the commits (or PostgreSQL's LISTEN) would publish them."""
    heard: list[int] = []
    before = db.events.subscriber_count
    with browser.stream("GET", "/placement/events") as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        assert next(lines).startswith("retry:")
        deadline = time.monotonic() + DEADLINE_SECONDS
        while db.events.subscriber_count == before:  # the stream listens after its retry line
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for message in messages:
            db.events.publish(message)
        event = ""
        for line in lines:
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "request":
                heard.append(json.loads(line[6:])["id"])
                if len(heard) == wanted:
                    break
            assert time.monotonic() < deadline, heard
    return heard


def test_each_stream_carries_only_the_requests_its_user_may_open(
    app: FastAPI, db: Database, session: Session, login: Callable[[str], Browser],
    one_free_bed: UnitBedType, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.2)  # a stream short of events ends soon
    ubt = one_free_bed
    referrer_a = user_actor(session, "referrer")
    coordinator = user_actor(session, "coordinator")
    provider = user_actor(session, "provider")
    # A referrer of a second organisation (neither A nor the provider whose bed is held).
    org_b = session.scalar(select(Organisation.id).where(
        Organisation.id.not_in([referrer_a.organisation_id, provider.organisation_id]))
        .order_by(Organisation.id).limit(1))
    assert org_b is not None
    user_b = create_user(session, email="huisarts-b@example.org", name="Huisarts B",
                         password=TEST_PASSWORD, role=Role.REFERRER, organisation_id=org_b)
    session.flush()
    referrer_b = actor_for_user(user_b)
    events.queued(session)  # only the changes below are published

    # Organisation B's request goes through a hold that is declined, its details are added,
    # and a second hold is accepted; A's request is made and cancelled in between.
    request_b = service.create_request(session, referrer_b, request_in(ubt.bed_type_code))
    session.flush()
    held = service.reserve(session, coordinator, request_b.id, ubt.unit_id, ubt.bed_type_code)
    service.decline(session, provider, held.id, "Geen passende zorg")
    request_a = service.create_request(session, referrer_a, request_in(ubt.bed_type_code))
    session.flush()
    service.complete_details(session, referrer_b, request_b.id,
                             DetailsIn(referrer_name="Dr. B"))
    service.cancel_request(session, referrer_a, request_a.id, "Thuis gebleven")
    held = service.reserve(session, coordinator, request_b.id, ubt.unit_id, ubt.bed_type_code)
    service.accept(session, provider, held.id)
    session.flush()
    messages = events.queued(session)
    changes = [m["request_id"] for m in messages if m.get("type") == "placement"]
    assert changes.count(request_b.id) == 6
    assert changes.count(request_a.id) == 2
    assert any(m.get("type") != "placement" for m in messages)  # beds and notifications too

    browsers = {"referrer A": login("referrer"), "referrer B": _browser(app, user_b.email),
                "coordinator": login("coordinator"), "admin": login("admin"),
                "provider": login("provider")}
    try:
        opens: dict[str, set[int]] = {}
        for who, browser in browsers.items():
            answers = {r.id: browser.get(f"/placement/requests/{r.id}").status_code
                       for r in (request_a, request_b)}
            assert set(answers.values()) <= {200, 403, 404}, (who, answers)
            opens[who] = {rid for rid, status in answers.items() if status == 200}
        # The pages' policy, so that the test below cannot pass by hearing nothing: referrers
        # see their own organisation's request, the region's roles every one, the provider
        # (who answers holds on its own page) none of these pages.
        assert opens == {"referrer A": {request_a.id}, "referrer B": {request_b.id},
                         "coordinator": {request_a.id, request_b.id},
                         "admin": {request_a.id, request_b.id}, "provider": set()}
        assert browsers["provider"].get("/placement/events").status_code == 403

        for who, browser in browsers.items():
            if not opens[who]:
                continue
            expected = [rid for rid in changes if rid in opens[who]]
            # The last event again, as an end mark: anything heard that the page does not
            # show comes before it and is caught.
            mark = next(m for m in reversed(messages)
                        if m.get("type") == "placement" and m["request_id"] in opens[who])
            heard = _heard(db, browser, [*messages, mark], len(expected) + 1)
            assert heard == [*expected, mark["request_id"]], who
    finally:
        browsers["referrer B"].__exit__(None, None, None)


@pytest.mark.skipif(is_postgres(), reason="the test's outer transaction never commits its NOTIFY")
def test_a_request_made_through_the_app_reaches_its_referrer_after_the_commit(
    session: Session, login: Callable[[str], Browser], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole way on SQLite: the API's commit publishes the event, the stream passes it."""
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.2)
    referrer, coordinator = login("referrer"), login("coordinator")
    own = user_actor(session, "referrer").organisation_id
    made: list[int] = []

    def make() -> None:
        answer = coordinator.post("/api/v1/placement/requests", json={
            **request_in("short_stay_high").model_dump(mode="json",
                                                        exclude={"referrer_organisation_id"}),
            "referrer_organisation_id": own})
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])

    with referrer.stream("GET", "/placement/events") as answer:
        lines = answer.iter_lines()
        assert next(lines).startswith("retry:")
        maker = threading.Timer(0.3, make)
        maker.start()
        deadline = time.monotonic() + DEADLINE_SECONDS
        for line in lines:
            if line.startswith("data: "):
                heard = json.loads(line[6:])["id"]
                break
            assert time.monotonic() < deadline
    # The event may reach the stream before the POST's answer reaches the maker thread.
    maker.join(DEADLINE_SECONDS)
    assert made == [heard]
