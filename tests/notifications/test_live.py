"""Live updates: the SSE stream passes on only the own organisation's notification events."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.notifications.conftest import org_of
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
