"""The event loop's CPU per stream and event on the live board's event streams (in process).

Run: ``.venv/bin/python -m bench.sse_frames [--streams 500] [--messages 200]``.

``--streams`` streams of ``web.sse`` listen on one ``EventBus``; ``--messages`` availability
events are published, each with about 3 KB of rendered rows, and every stream passes every
event on, as a live board of the event's region does. Two ways are measured in the same run:
each stream encodes its frame itself (``(name, data)`` from its pick, as the placement and
notification streams do), or all streams share one frame made by ``sse.frame`` (as the live
board does since the frame is made once per event and filter). Prints the process CPU per
stream and event for both and their ratio. The ASGI send path (middleware, socket) is not in
it: ``bench.board_fanout`` measures the whole app.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from verkeerstoren.storage.events import EventBus
from verkeerstoren.web import sse

ROWS = "<tr>" + "x" * 3000 + "</tr>"


class _Client:
    async def is_disconnected(self) -> bool:
        return False


async def _run(streams: int, messages: int, shared: bool) -> float:
    bus = EventBus()
    frames: dict[int, str] = {}

    def pick(message: dict[str, Any]) -> sse.Picked:
        if not shared:
            return "availability", {**message, "rows": ROWS}
        made = frames.get(id(message))
        if made is None:
            made = frames[id(message)] = sse.frame("availability", {**message, "rows": ROWS})
        return made

    generators = [sse._stream(_Client(), bus, pick, 2000)  # type: ignore[arg-type]
                  for _ in range(streams)]
    for generator in generators:
        await generator.__anext__()  # the retry line; the stream now listens

    async def drain(generator: Any) -> None:
        for _ in range(messages):
            await generator.__anext__()

    tasks = [asyncio.create_task(drain(g)) for g in generators]
    await asyncio.sleep(0.1)
    started = time.process_time()
    kept = []  # the bus hands the same dict to every stream; keep it alive for its id()
    for number in range(messages):
        message = {"type": "availability", "keys": [[number, "mf"]]}
        kept.append(message)
        bus.publish(message)
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    return (time.process_time() - started) / (streams * messages)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sse_frames", description=__doc__)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)
    own = asyncio.run(_run(args.streams, args.messages, shared=False))
    shared = asyncio.run(_run(args.streams, args.messages, shared=True))
    print(f"{args.streams} streams × {args.messages} events: each stream encodes "
          f"{1e6 * own:.1f} µs, one shared frame {1e6 * shared:.1f} µs CPU per stream and "
          f"event (ratio {shared / own:.2f})")


if __name__ == "__main__":
    main()
