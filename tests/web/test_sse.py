"""Server-Sent Events keep a subscriber across heartbeats and pass on only picked events."""

from __future__ import annotations

import asyncio
import threading
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


def test_a_busy_stream_still_beats_and_a_full_queue_gets_no_beat(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The beat comes every period, events or not (a proxy must see traffic), and never
    pushes an event out of a queue that is full."""
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.05)
    bus = EventBus()

    def pick(message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return "availability", message

    async def busy() -> list[str]:
        stream = sse._stream(_Client(), bus, pick, 1000)  # type: ignore[arg-type]
        chunks = [await anext(stream)]
        started = asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - started < 0.3:
            bus.publish({"type": "availability"})
            chunks.append(await asyncio.wait_for(anext(stream), 5))
            await asyncio.sleep(0.01)
        await stream.aclose()
        return chunks

    chunks = asyncio.run(busy())
    assert ": keep-alive\n\n" in chunks
    assert sum(c.startswith("event: availability") for c in chunks) >= 5

    async def full() -> list[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=3)
        for n in range(3):
            queue.put_nowait({"n": n})
        heartbeat = sse._Heartbeat(queue)
        await asyncio.sleep(0.2)
        heartbeat.cancel()
        return [queue.get_nowait() for _ in range(queue.qsize())]

    assert asyncio.run(full()) == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_an_event_reaches_the_subscribers_of_every_event_loop() -> None:
    """Published from another thread, handed to each loop once for all its subscribers."""
    bus = EventBus()
    listening = threading.Barrier(3, timeout=10)
    got: dict[str, list[dict[str, Any]]] = {}

    def subscribers(name: str) -> None:
        async def main() -> None:
            with bus.listen() as first, bus.listen() as second:
                await asyncio.to_thread(listening.wait)
                got[name] = [await asyncio.wait_for(q.get(), 10) for q in (first, second)]

        asyncio.run(main())

    threads = [threading.Thread(target=subscribers, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    listening.wait()
    bus.publish({"type": "availability", "n": 1})
    for thread in threads:
        thread.join(timeout=20)
    wanted = [{"type": "availability", "n": 1}] * 2
    assert got == {"a": wanted, "b": wanted}
    assert bus.subscriber_count == 0
