"""Live updates: the SSE stream passes on only the own organisation's notification events."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.notifications.conftest import org_of
from verkeerstoren.notifications import pages
from verkeerstoren.storage import Database


def test_the_event_stream_carries_only_the_own_organisations_notifications(
    session: Session, db: Database, login: Callable[[str], Browser]
) -> None:
    own, other = org_of(session, "provider"), org_of(session, "provider2")
    browser = login("provider")

    def publish() -> None:
        # Published straight to the in-process bus, as a commit (or LISTEN) would.
        db.events.publish({"type": "availability", "keys": []})
        db.events.publish({"type": "notification", "organisation_id": other,
                           "event": "reservation.new", "id": 1})
        db.events.publish({"type": "notification", "organisation_id": own,
                           "event": "reservation.new", "id": 2})

    lines: list[str] = []
    with browser.stream("GET", "/notifications/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        timer = threading.Timer(0.3, publish)
        timer.start()
        for line in stream.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
        timer.join()
    assert "event: notification" in lines
    assert lines[-1] == 'data: {"event": "reservation.new", "id": 2}'


def test_the_stream_is_not_woken_for_other_events(session: Session) -> None:
    """Decided in the publishing thread (every page has this stream open): only the own
    organisation's notifications reach the stream's queue; one filter per organisation."""
    own, other = org_of(session, "provider"), org_of(session, "provider2")
    hears = pages._hears(own)
    assert hears is pages._hears(own)  # shared: the bus asks it once per event
    assert hears({"type": "notification", "organisation_id": own, "event": "x", "id": 1})
    assert not hears({"type": "notification", "organisation_id": other, "event": "x", "id": 1})
    assert not hears({"type": "availability", "keys": [[1, "ELV"]]})
    assert not hears({"type": "placement", "request_id": 1, "referrer_organisation_id": own})
    assert not pages._hears(None)({"type": "notification", "organisation_id": None, "id": 1})
