"""One rendering of an event's changed rows (its whole SSE frame) per board filter and language,
shared by every open board of this process that shows them.

Each open board's stream used to render the rows itself, in a thread of the pool that the API's
requests need too: with a thousand open boards and the country's reports (bench.mixed), the
pool was busy rendering the same patch a thousand times and reports waited for a thread. Now
the first stream to see an event starts the rendering and the others await the same task.
"""

from __future__ import annotations

import asyncio
import enum
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

# Events remembered per event loop. An entry is needed only until every stream has taken the
# event from its queue (milliseconds); a forgotten one is rendered again, never wrong.
SIZE = 1024

Rows = str | None


class Later(enum.Enum):
    """What ``now`` answers when the frame cannot be made without waiting (a read in a
    thread)."""

    LATER = "later"


LATER = Later.LATER
_Entry = tuple[dict[str, Any], "Rows | asyncio.Task[Rows]"]


class SharedPatches:
    """The frames of one event loop, made or being made, by (event, filter and language)."""

    def __init__(self) -> None:
        self._made: OrderedDict[tuple[int, Hashable], _Entry] = OrderedDict()

    async def get(self, message: dict[str, Any], key: Hashable, now: Callable[[], Rows | Later],
                  later: Callable[[], Awaitable[Rows]]) -> Rows:
        """The frame for this event and key: made by ``now`` where it can (no wait: the
        other streams then take the finished frame without a task or a shield each), else by
        ``later`` in a task all of them await."""
        # The entry keeps the message alive, so its id() is not reused while it is here.
        slot = (id(message), key)
        found = self._made.get(slot)
        if found is not None and found[0] is message:
            made = found[1]
        else:
            at_once = now()
            made = asyncio.ensure_future(later()) if at_once is LATER else at_once
            self._made[slot] = (message, made)
            while len(self._made) > SIZE:
                self._made.popitem(last=False)
        if not isinstance(made, asyncio.Task):
            return made
        # shield: a stream whose client went away is cancelled; the others still wait.
        return await asyncio.shield(made)


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SharedPatches] = (
    weakref.WeakKeyDictionary())


def shared_patches() -> SharedPatches:
    """The running event loop's shared renderings (streams live on one loop per process)."""
    loop = asyncio.get_running_loop()
    found = _per_loop.get(loop)
    if found is None:
        found = _per_loop[loop] = SharedPatches()
    return found
