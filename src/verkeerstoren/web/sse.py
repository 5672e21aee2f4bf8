"""Server-Sent Events from the event bus, with heartbeats and disconnect detection."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from verkeerstoren.storage.events import Accepts, EventBus

HEARTBEAT_SECONDS = 15.0
# Picks the events a stream passes on: (SSE event name, data), a frame made by frame() (the
# live board makes one per event and filter for all its streams), or None to skip the
# message; it may be a coroutine (the live board renders the changed rows for its filter).
Picked = tuple[str, dict[str, Any]] | str | None
Pick = Callable[[dict[str, Any]], Picked | Awaitable[Picked]]


def frame(name: str, data: dict[str, Any]) -> str:
    """One SSE message: the event's name and its data as JSON."""
    return f"event: {name}\ndata: {json.dumps(data, default=str)}\n\n"


# Put in a stream's queue every HEARTBEAT_SECONDS: compared by identity, never sent as is.
_BEAT: dict[str, Any] = {"type": "heartbeat"}


class _Heartbeat:
    """Puts the beat in the stream's queue every ``HEARTBEAT_SECONDS``, events or not.

    One timer per stream per period, instead of a time-out around every wait for an event:
    with a thousand open boards that time-out was made and cancelled per stream and event.
    """

    def __init__(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._queue = queue
        self._loop = asyncio.get_running_loop()
        self._handle = self._loop.call_later(HEARTBEAT_SECONDS, self._beat)

    def _beat(self) -> None:
        if not self._queue.full():  # a stream that far behind gets no beat to push out events
            self._queue.put_nowait(_BEAT)
        self._handle = self._loop.call_later(HEARTBEAT_SECONDS, self._beat)

    def cancel(self) -> None:
        self._handle.cancel()


async def _stream(request: Request, bus: EventBus, pick: Pick, retry_ms: int,
                  accepts: Accepts | None = None) -> AsyncGenerator[str, None]:
    yield f"retry: {retry_ms}\n\n"
    with bus.listen(accepts) as queue:
        heartbeat = _Heartbeat(queue)
        try:
            while True:
                message = await queue.get()
                if message is _BEAT:
                    # Also how a closed browser tab is noticed: the next write would fail anyway.
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                    continue
                picked = pick(message)
                if inspect.isawaitable(picked):
                    picked = await picked
                if isinstance(picked, str):
                    yield picked
                elif picked is not None:
                    yield frame(*picked)
        finally:
            heartbeat.cancel()


def sse_response(request: Request, bus: EventBus, pick: Pick, retry_ms: int = 2000,
                 accepts: Accepts | None = None) -> StreamingResponse:
    """A text/event-stream response that lives until the client goes away; ``accepts``
    drops events before the stream is woken for them (``EventBus.listen``)."""
    return StreamingResponse(
        _stream(request, bus, pick, retry_ms, accepts),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
