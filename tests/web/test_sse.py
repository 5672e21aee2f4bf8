"""Server-Sent Events keep a subscriber across heartbeats and pass on only picked events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from verkeerstoren.storage.events import EventBus
from verkeerstoren.web import sse


class _Client:
    """Stands in for a Starlette request: only the disconnect check is used."""

    async def is_disconnected(self) -> bool:
        return False


def test_a_stream_survives_a_heartbeat_and_then_delivers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.05)
    bus = EventBus()

    def pick(message: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        return ("availability", message) if message["type"] == "availability" else None

    async def scenario() -> list[str]:
        stream = sse._stream(_Client(), bus, pick, 1000)  # type: ignore[arg-type]
        chunks = [await anext(stream)]
        chunks.append(await anext(stream))  # the heartbeat after 50 ms without events
        bus.publish({"type": "other"})
        bus.publish({"type": "availability", "n": 1})
        chunks.append(await asyncio.wait_for(anext(stream), 30))
        await stream.aclose()
        return chunks

    chunks = asyncio.run(scenario())
    assert chunks[0] == "retry: 1000\n\n"
    assert chunks[1] == ": keep-alive\n\n"
    assert chunks[2].startswith("event: availability\ndata: ")
    assert bus.subscriber_count == 0


def test_a_stream_is_not_woken_for_events_its_filter_refuses() -> None:
    bus = EventBus()
    seen: list[dict[str, Any]] = []

    def accepts(message: dict[str, Any]) -> bool:
        seen.append(message)
        if message.get("broken"):
            raise ValueError("a faulty filter")
        return message.get("region") == 1

    async def scenario() -> list[list[dict[str, Any]]]:
        # Two streams with the same filter function: it is asked once per event for both.
        with bus.listen(accepts) as first, bus.listen(accepts) as second:
            bus.publish({"type": "availability", "region": 2})
            bus.publish({"type": "availability", "region": 1})
            bus.publish({"type": "availability", "broken": True})
            await asyncio.sleep(0.05)  # call_soon_threadsafe: delivered on the next turns
            got: list[list[dict[str, Any]]] = [[], []]
            for into, queue in zip(got, (first, second), strict=True):
                while not queue.empty():
                    into.append(queue.get_nowait())
            return got

    got = asyncio.run(scenario())
    # The refused event never reached the queues; a filter that fails lets the event through.
    wanted = [{"type": "availability", "region": 1}, {"type": "availability", "broken": True}]
    assert got == [wanted, wanted]
    assert len(seen) == 3
    assert bus.subscriber_count == 0
