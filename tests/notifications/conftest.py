"""Helpers for notification tests: organisation ids of demo users and a real local HTTP receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.models import User


def org_of(session: Session, local: str) -> int:
    """The organisation id of a demo user ("provider", "provider2", "coordinator", …)."""
    user = session.scalar(select(User).where(User.email.startswith(f"{local}@")))
    assert user is not None
    assert user.organisation_id is not None
    return user.organisation_id


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 answering with scripted status codes (then the last one)."""

    statuses: list[int]
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    def next_status(self) -> int:
        index = min(len(self.requests) - 1, len(self.statuses) - 1)
        return self.statuses[index]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(Received({k.lower(): v for k, v in self.headers.items()},
                                              body))
            self.send_response(receiver.next_status())
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver that fails once with HTTP 500, then answers 200 (set ``statuses`` to change)."""
    state = Receiver(statuses=[500, 200])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/verkeerstoren"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
