"""A lean HTTP/1.1 client for the load generators of ``bench.mixed``: keep-alive connections
on uvloop, answers parsed by httptools (the C parser uvicorn itself uses).

Why not httpx: the generator shares the machine's 2 cores with the app it loads, while the
clients it stands in for (20,000 units, a thousand browsers) run on their own machines. httpx
cost the reporter 3–9 ms of CPU per report once hundreds of requests were under way (its pool
walks its connections per request), so that the generator took 0.7 cores from the app it was
measuring. This client does one request per connection at a time and keeps idle connections
in a list: O(1) per request, about a tenth of that CPU (see ``docs/performance-log.md``).

Kept honest: every answer is parsed in full (status, headers, chunked or sized body) and handed
back as a :class:`Answer` the generator checks like an httpx response; a connection that fails,
is cancelled (time-out) or that the server would close is never reused.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, cast

import httptools

# uvicorn closes a keep-alive connection after 5 s idle (its default ``timeout_keep_alive``):
# one idle for longer is not reused, so that no request is sent into a connection being closed.
IDLE_SECONDS = 4.0


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.waiter: asyncio.Future[Answer] | None = None
        self.reusable = False
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCPTransport has Transport's methods without being its subclass.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.reusable = self.parser.should_keep_alive()
        answer = Answer(self.parser.get_status_code(), b"".join(self.body))
        self.body = []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(answer)

    def _fail(self, exc: Exception) -> None:
        self.reusable = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    def send(self, head: bytes, body: bytes) -> asyncio.Future[Answer]:
        assert self.transport is not None
        self.reusable = False  # until this answer is complete
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(head + body)
        return self.waiter


class LeanClient:
    """Requests to one ``host:port``; ``request`` resembles httpx's for the generators' use.

    ``keep_alive=False`` opens a connection per request, as 20,000 units that each report every
    5 minutes do (their last connection closed long ago). Idle connections are reused oldest
    first: with several app processes behind one port, each connection is served by the
    process that accepted it, and always reusing the newest would pin the load to one.
    """

    def __init__(self, base: str, *, keep_alive: bool = True) -> None:
        rest = base.split("://", 1)[-1].rstrip("/")
        self.host, _, port = rest.partition(":")
        self.port = int(port or 80)
        self.keep_alive = keep_alive
        self._idle: deque[_Connection] = deque()

    async def _connection(self) -> _Connection:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.popleft()
            if conn.reusable and now - conn.idle_since < IDLE_SECONDS:
                return conn
            if conn.transport is not None:
                conn.transport.close()
        _, conn = await asyncio.get_running_loop().create_connection(
            _Connection, self.host, self.port)
        return conn

    async def request(self, method: str, path: str, *, json_body: object = None,
                      headers: dict[str, str] | None = None) -> Answer:
        """Sends one request and waits for its whole answer. On cancellation (the caller's
        time-out) or failure the connection is closed, never reused."""
        body = b"" if json_body is None else json.dumps(json_body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {len(body)}"]
        if not self.keep_alive:
            lines.append("Connection: close")
        if json_body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        conn = await self._connection()
        try:
            answer = await conn.send(head, body)
        except BaseException:
            conn.reusable = False
            if conn.transport is not None:
                conn.transport.close()
            raise
        if conn.reusable and self.keep_alive:
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        elif conn.transport is not None:
            conn.transport.close()
        return answer

    def close(self) -> None:
        for conn in self._idle:
            if conn.transport is not None:
                conn.transport.close()
        self._idle.clear()
