"""A referrer's open page follows its own organisation's requests live, and only those (issue 18).

Through the served app, as it runs: the commit, the event bus, the stream and
``placement-live.js``. The coordination point makes a request for another organisation (the
referrer's list must not move) and then one for the referrer's own (the list reloads by itself).
"""

from __future__ import annotations

import json
import re
import time
import uuid

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import PASSWORD, login_page
from verkeerstoren import region_time

pytestmark = pytest.mark.e2e
# Long enough for a leaked event to reload the page: events are delivered in milliseconds.
QUIET_SECONDS = 3
# Every page load of the tab counts itself and the ids its stream brought are kept (the tab's
# sessionStorage outlives a reload); the EventSource is kept where the test sees it open.
COUNT_LOADS = """
sessionStorage.loads = String(Number(sessionStorage.loads || 0) + 1);
const Original = window.EventSource;
window.EventSource = function (url) {
  const source = new Original(url);
  // Registered before the page's own listener, so the id is kept before the page reloads.
  source.addEventListener("request", (event) => {
    const heard = JSON.parse(sessionStorage.heard || "[]");
    heard.push(JSON.parse(event.data).id);
    sessionStorage.heard = JSON.stringify(heard);
  });
  window.liveSource = source;
  return source;
};
"""


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _request(coordinator: httpx.Client, headers: dict[str, str], organisation_id: int) -> int:
    answer = coordinator.post("/api/v1/placement/requests", headers=headers, json={
        "pseudonym": f"e2e-live-{uuid.uuid4().hex[:10]}", "postcode_area": 2712,
        "bed_types": ["short_stay_high"], "wanted_start": region_time.today().isoformat(),
        "financing": "zvw", "urgency": "today", "referrer_organisation_id": organisation_id})
    assert answer.status_code == 201, answer.text
    request_id: int = answer.json()["id"]
    return request_id


def test_a_referrers_list_reloads_for_its_own_requests_only(
    served_demo: str, browser: Browser
) -> None:
    context = browser.new_context()
    context.add_init_script(COUNT_LOADS)
    referrer = login_page(context, served_demo, "referrer", "/placement/mine")
    own = referrer.request.get(f"{served_demo}/api/v1/me").json()["organisation_id"]
    with httpx.Client(base_url=served_demo) as coordinator:
        login = coordinator.post("/login", data={
            "email": "coordinator@demo.verkeerstoren.nl", "password": PASSWORD, "next": "/",
            "csrf_token": _csrf(coordinator.get("/login").text)})
        assert login.status_code == 303, login.text
        headers = {"X-CSRF-Token": _csrf(coordinator.get("/").text)}
        other = next(o["id"] for o in coordinator.get("/api/v1/organisations").json()
                     if o["name"].startswith("Stadsziekenhuis Zoetermeer"))
        assert other != own

        referrer.wait_for_function("window.liveSource && window.liveSource.readyState === 1")
        time.sleep(0.5)  # the server subscribes the stream just after it opened
        loads = int(referrer.evaluate("sessionStorage.loads"))  # the login page's load too
        elsewhere = _request(coordinator, headers, other)
        time.sleep(QUIET_SECONDS)
        assert int(referrer.evaluate("sessionStorage.loads")) == loads  # not told, no reload
        assert referrer.evaluate("sessionStorage.heard || '[]'") == "[]"
        expect(referrer.locator(f"a[href='/placement/requests/{elsewhere}']")).to_have_count(0)

        with referrer.expect_navigation(timeout=20_000):  # the page reloads by itself
            mine = _request(coordinator, headers, own)
    assert int(referrer.evaluate("sessionStorage.loads")) == loads + 1
    assert json.loads(referrer.evaluate("sessionStorage.heard")) == [mine]
    expect(referrer.locator(f"a[href='/placement/requests/{mine}']")).to_be_visible()
    context.close()
