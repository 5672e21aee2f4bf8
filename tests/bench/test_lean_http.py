"""The load generator's lean HTTP client (bench/lean_http.py) against a server written here
byte by byte: what it hands back must be what was on the wire, and a connection the server
closed, or that a caller gave up on, must never carry the next request."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from bench.lean_http import LeanClient

from bench import lean_http

SIZED = b"HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"id\": 42}\n"
CHUNKED = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n")
CLOSING = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno"


class _Server:
    """Answers each request with the next canned answer; records (connection, request head)."""

    def __init__(self, answers: list[bytes], *, stall: bool = False) -> None:
        self.answers, self.stall = answers, stall
        self.seen: list[tuple[int, bytes]] = []
        self.connections = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        mine = self.connections
        self.writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                self.seen.append((mine, head + body))
                if self.stall:
                    continue  # never answers
                writer.write(self.answers.pop(0))
                await writer.drain()


async def _serve(server: _Server) -> tuple[asyncio.Server, str]:
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    return listening, f"http://127.0.0.1:{port}"


async def _shut(server: _Server, listening: asyncio.Server, client: LeanClient) -> None:
    client.close()
    for writer in server.writers:
        writer.close()
    listening.close()
    await listening.wait_closed()
    await asyncio.sleep(0.01)  # the closed transports' callbacks run


def test_answers_are_read_whole_and_a_kept_connection_is_reused() -> None:
    async def main() -> None:
        server = _Server([SIZED, CHUNKED, CLOSING, SIZED])
        listening, base = await _serve(server)
        client = LeanClient(base)
        created = await client.request("POST", "/x", json_body={"n": 1},
                                       headers={"Authorization": "Bearer t"})
        assert (created.status_code, created.json()) == (201, {"id": 42})
        chunked = await client.request("GET", "/y")
        assert (chunked.status_code, chunked.json()) == (200, {"a": 1})
        refused = await client.request("GET", "/z")
        assert (refused.status_code, refused.text) == (503, "no")
        await client.request("GET", "/w")
        # The first three on one connection; the 503 said "close", so the fourth on a new one.
        assert [conn for conn, _ in server.seen] == [1, 1, 1, 2]
        first = server.seen[0][1]
        assert first.startswith(b"POST /x HTTP/1.1\r\n")
        assert b"Authorization: Bearer t\r\n" in first
        assert first.endswith(b"\r\n\r\n" + json.dumps({"n": 1}).encode())
        await _shut(server, listening, client)

    asyncio.run(main())


def test_without_keep_alive_each_request_has_its_own_connection() -> None:
    async def main() -> None:
        server = _Server([CLOSING.replace(b"Connection: close\r\n", b""), SIZED])
        listening, base = await _serve(server)
        client = LeanClient(base, keep_alive=False)
        await client.request("GET", "/a")
        await client.request("GET", "/b")
        assert [conn for conn, _ in server.seen] == [1, 2]
        assert all(b"Connection: close\r\n" in head for _, head in server.seen)
        await _shut(server, listening, client)

    asyncio.run(main())


def test_a_connection_the_server_closed_or_left_idle_too_long_is_not_reused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        server = _Server([SIZED, SIZED, SIZED])
        listening, base = await _serve(server)
        client = LeanClient(base)
        await client.request("GET", "/1")
        server.writers[0].close()  # the server ends the kept connection
        await asyncio.sleep(0.05)
        await client.request("GET", "/2")
        monkeypatch.setattr(lean_http, "IDLE_SECONDS", 0.0)  # uvicorn would be closing it
        await client.request("GET", "/3")
        assert [conn for conn, _ in server.seen] == [1, 2, 3]
        await _shut(server, listening, client)

    asyncio.run(main())


def test_a_request_given_up_on_closes_its_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lean_http, "IDLE_SECONDS", 1e12)  # only the give-up may count here

    async def main() -> None:
        server = _Server([], stall=True)
        listening, base = await _serve(server)
        client = LeanClient(base)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.request("GET", "/slow"), 0.2)
        # Its late answer must not be read as the next request's: a new connection.
        server.stall, server.answers = False, [SIZED]
        await client.request("GET", "/next")
        assert [conn for conn, _ in server.seen] == [1, 2]
        await _shut(server, listening, client)

    asyncio.run(main())
