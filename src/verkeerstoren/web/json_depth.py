"""Refuses JSON bodies nested deeper than any request of this app needs, saying where.

Python's JSON parser recurses once per level: 10,000 nested arrays end in a RecursionError,
which FastAPI answers with a bare 400 "There was an error parsing the body" that names
nothing. The bodies the routes accept are a few levels deep (``{"reports": [{…}]}``), so a
body deeper than :data:`MAX_DEPTH` is refused before it is parsed,
with 400, the depth, the character where it passed the limit and the path that leads there,
and a log line (``verkeerstoren.web.refused``). Nothing behind this layer runs, so nothing is
written.

Only bodies declared JSON (``application/json``, ``…+json``) are looked at, and only when they
contain more opening brackets than the limit (``bytes.count``, cheap): a body with fewer
cannot be that deep. The body is already bounded by web/limits.py's ceiling, which sits
outside this layer.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import anyio
import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("verkeerstoren.web.refused")

MAX_DEPTH = 64
# A string (its brackets and commas are text), a key (a string followed by a colon), or a
# bracket or comma that shapes the document.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"\s*(:)?|[\[\]{},]', re.DOTALL)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_SHAPE = bytes(b for b in range(256) if b not in b'[]{}"')
_STEPS = np.zeros(256, dtype=np.int8)
_STEPS[[ord("["), ord("{")]] = 1
_STEPS[[ord("]"), ord("}")]] = -1
_PATH_SHOWN = 8  # levels of the path shown at each end; the middle is elided


@dataclass(frozen=True)
class TooDeep:
    """Where a body first went deeper than the limit."""

    depth: int
    offset: int  # 0-based byte offset of the bracket that went too deep
    path: str  # JSONPath-like: $.reports[3].a…


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> TooDeep | None:
    """The first place where ``body`` nests deeper than ``limit`` levels, or None.

    A scan of the structure only (strings skipped as a whole); it does not validate the JSON —
    the parser does that afterwards for a body that passes."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return None
    # Fast, in C for the most part: strings out, brackets only, their running depth. Only a
    # body that is too deep pays for the token-by-token walk below, which says where.
    if _deepest(_brackets(body)) <= limit:
        return None
    # Per open level: its bracket and the current member (array index, or object key).
    stack: list[list[object]] = []
    for token in _TOKEN.finditer(body):
        first = body[token.start()]
        if first == ord('"'):
            if token.group(1) and stack and stack[-1][0] == "{":
                stack[-1][1] = body[token.start():token.end()].rstrip(b": \t\r\n")
            continue
        char = chr(first)
        if char in "[{":
            if len(stack) == limit:
                return TooDeep(limit + 1, token.start(), _path(stack))
            stack.append([char, 0 if char == "[" else None])
        elif char in "]}":
            if stack:
                stack.pop()
        elif stack and stack[-1][0] == "[":
            stack[-1][1] = int(str(stack[-1][1])) + 1
    return None


def _brackets(body: bytes) -> bytes:
    """The body's brackets outside strings, nothing else (mostly in C: ``translate``, ``split``).

    Without a backslash every quote opens or closes a string, so the body reduced to its
    brackets and quotes, split on the quotes, has the structure in its even pieces. A body with
    escapes goes through the regular expression instead."""
    if b"\\" in body:
        return _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    shape = body.translate(None, _NOT_SHAPE)
    return b"".join(shape.split(b'"')[::2])


def _deepest(brackets: bytes) -> int:
    """The deepest level reached by a sequence of brackets (numpy: 20 million in ~0.1 s)."""
    if not brackets:
        return 0
    steps = _STEPS[np.frombuffer(brackets, dtype=np.uint8)]
    return int(np.cumsum(steps, dtype=np.int64).max())


def _step(level: list[object]) -> str:
    bracket, member = level
    if bracket == "[":
        return f"[{member}]"
    if isinstance(member, bytes):
        try:
            key = json.loads(member)
        except ValueError:
            key = member.decode("utf-8", "replace")
        return f".{str(key)[:40]}"
    return ".?"  # an object entered before its first key


def _path(stack: list[list[object]]) -> str:
    steps = [_step(level) for level in stack]
    if len(steps) > 2 * _PATH_SHOWN:
        steps = [*steps[:_PATH_SHOWN], f"…({len(steps) - 2 * _PATH_SHOWN} levels)…",
                 *steps[-_PATH_SHOWN:]]
    return "$" + "".join(steps)


def _is_json(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    kind = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
    return bool(kind == b"application/json" or kind.endswith(b"+json"))


def _answer(found: TooDeep, limit: int) -> bytes:
    where = f"character {found.offset + 1:,}, at {found.path}"
    return json.dumps({
        "detail": f"The JSON body is nested too deeply: more than {limit} levels "
                  f"(level {found.depth} opens at {where}).",
        "errors": [{"field": "body",
                    "message": f"nested more than {limit} levels deep at {where}"}],
    }).encode()


class JsonDepthGuard:
    """Reads a JSON body, refuses it with 400 when too deep, else hands it on unchanged."""

    def __init__(self, app: ASGIApp, limit: int = MAX_DEPTH) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS") \
                or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client left, or the ceiling cut the body off: not ours to judge
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = b"".join(chunks)
                # A large body is looked at in a worker thread: the event loop keeps serving.
                found = (too_deep(body, self.limit) if len(body) < 1024 * 1024 else
                         await anyio.to_thread.run_sync(too_deep, body, self.limit))
                if found is not None:
                    log.warning("refused %s %s: JSON nested deeper than %s levels at "
                                "character %s (%s)", scope.get("method"), scope.get("path"),
                                self.limit, found.offset + 1, found.path[:200])
                    answer = _answer(found, self.limit)
                    await send({"type": "http.response.start", "status": 400, "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(answer)).encode())]})
                    await send({"type": "http.response.body", "body": answer})
                    return
                break

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)
