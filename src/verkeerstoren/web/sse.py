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


async def _stream(request: Request, bus: EventBus, pick: Pick, retry_ms: int,
                  accepts: Accepts | None = None) -> AsyncGenerator[str, None]:
    yield f"retry: {retry_ms}\n\n"
    with bus.listen(accepts) as queue:
        while True:
            try:
                # asyncio.timeout, not wait_for: wait_for wraps every get in a task of its
                # own, and with a thousand open boards that was per stream and event.
                async with asyncio.timeout(HEARTBEAT_SECONDS):
                    message = await queue.get()
            except TimeoutError:
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


def sse_response(request: Request, bus: EventBus, pick: Pick, retry_ms: int = 2000,
                 accepts: Accepts | None = None) -> StreamingResponse:
    """A text/event-stream response that lives until the client goes away; ``accepts``
    drops events before the stream is woken for them (``EventBus.listen``)."""
    return StreamingResponse(
        _stream(request, bus, pick, retry_ms, accepts),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
