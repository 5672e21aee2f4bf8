"""One rendering of an event's changed rows (its whole SSE frame) per board filter and language,
shared by every open board of this process that shows them.

Each open board's stream used to render the rows itself, in a thread of the pool that the API's
requests need too: with a thousand open boards and the country's reports (bench.mixed), the
pool was busy rendering the same patch a thousand times and reports waited for a thread. Now
the first stream to see an event starts the rendering and the others await the same task.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

# Events remembered per event loop. An entry is needed only until every stream has taken the
# event from its queue (milliseconds); a forgotten one is rendered again, never wrong.
SIZE = 1024

Rows = str | None
_Entry = tuple[dict[str, Any], "asyncio.Task[Rows]"]


class SharedPatches:
    """The rendering tasks of one event loop, by (event, filter and language)."""

    def __init__(self) -> None:
        self._tasks: OrderedDict[tuple[int, Hashable], _Entry] = OrderedDict()

    async def get(self, message: dict[str, Any], key: Hashable,
                  make: Callable[[], Awaitable[Rows]]) -> Rows:
        # The entry keeps the message alive, so its id() is not reused while it is here.
        slot = (id(message), key)
        found = self._tasks.get(slot)
        if found is None or found[0] is not message:
            task = asyncio.ensure_future(make())
            self._tasks[slot] = (message, task)
            while len(self._tasks) > SIZE:
                self._tasks.popitem(last=False)
        else:
            task = found[1]
        # shield: a stream whose client went away is cancelled; the others still wait.
        return await asyncio.shield(task)


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SharedPatches] = (
    weakref.WeakKeyDictionary())


def shared_patches() -> SharedPatches:
    """The running event loop's shared renderings (streams live on one loop per process)."""
    loop = asyncio.get_running_loop()
    found = _per_loop.get(loop)
    if found is None:
        found = _per_loop[loop] = SharedPatches()
    return found
