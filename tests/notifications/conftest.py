"""Helpers for notification tests: organisation ids of demo users and a real local HTTP receiver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest

from tests.demo_units import org_of
from tests.local_http import QuietHandler, local_server

__all__ = ["org_of"]


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
    class Handler(QuietHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(Received({k.lower(): v for k, v in self.headers.items()},
                                              body))
            self.send_response(receiver.next_status())
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver that fails once with HTTP 500, then answers 200 (set ``statuses`` to change)."""
    state = Receiver(statuses=[500, 200])
    with local_server(_handler(state)) as port:
        state.url = f"http://127.0.0.1:{port}/hooks/verkeerstoren"
        yield state
