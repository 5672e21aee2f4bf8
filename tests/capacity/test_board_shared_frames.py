"""The live board's frames are made once per event and filter and shared by its streams
(``capacity.regional_board.fanout``): made at once where no read is needed, else in one task
that every stream awaits and that a stream leaving does not cancel."""

from __future__ import annotations

import asyncio

from verkeerstoren.capacity.regional_board.fanout import LATER, SharedPatches


def test_a_frame_made_at_once_is_made_once_and_shared() -> None:
    made: list[str] = []

    def now() -> str:
        made.append("frame")
        return "frame"

    async def later() -> str:
        raise AssertionError("no read was needed")

    async def scenario() -> list[str | None]:
        patches = SharedPatches()
        message = {"type": "availability", "keys": [[1, "mf"]]}
        return [await patches.get(message, "filter", now, later) for _ in range(20)]

    assert asyncio.run(scenario()) == ["frame"] * 20
    assert made == ["frame"]


def test_a_frame_that_needs_a_read_is_awaited_by_all_and_survives_a_leaving_stream() -> None:
    reads: list[int] = []

    async def later() -> str:
        reads.append(1)
        await asyncio.sleep(0.05)
        return "read"

    async def scenario() -> tuple[list[str | None], bool]:
        patches = SharedPatches()
        message = {"type": "availability", "keys": [[1, "mf"]]}
        streams = [asyncio.ensure_future(patches.get(message, "f", lambda: LATER, later))
                   for _ in range(5)]
        await asyncio.sleep(0)
        streams[0].cancel()  # its browser went away while the rows were read
        got = await asyncio.gather(*streams[1:])
        # Another filter or another event is another frame.
        other = await patches.get(message, "g", lambda: "other", later)
        return [*got, other], streams[0].cancelled()

    got, cancelled = asyncio.run(scenario())
    assert got == ["read"] * 4 + ["other"]
    assert cancelled
    assert reads == [1]
