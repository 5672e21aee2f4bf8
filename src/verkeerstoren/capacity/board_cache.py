"""A per-process cache of the regional board per filter, emptied by every availability event.

Every open board refetches after each report, so without a cache one report costs one full
board build per open board. The cache is correct because:

* every change of a bed state (report, hold, release, fill) emits an ``availability`` event,
  and :class:`EventBus` calls our listener *before* any live board hears of the event, so a
  refetch never meets the old entry (on PostgreSQL the LISTEN thread of every process feeds its
  bus, so this holds across processes);
* a build that overlapped an event is not stored (generation check), so a board read from a
  snapshot before a commit cannot outlive that commit's event;
* an entry expires when its first fresh figure turns stale, and after at most
  :data:`MAX_AGE` anyway (ages drift by at most that much; registry edits, which emit no
  event, show within that time; a lost LISTEN connection heals within it);
* only boards read by the app's own read-only transactions are shared (see
  :func:`cached_board`).

Known gap: on PostgreSQL the writing process itself learns of its commit through its LISTEN
thread, a few milliseconds after the commit; a GET in that window can still get the old board.
Live boards are not affected (they refetch only after the event).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from verkeerstoren.capacity.board import BoardFilter, board, board_until
from verkeerstoren.capacity.schemas import Board
from verkeerstoren.storage.base import utcnow
from verkeerstoren.storage.events import EventBus

MAX_AGE = timedelta(seconds=30)
MAX_ENTRIES = 64  # filters come from query strings; bound the memory they can take

CacheKey = tuple[Any, ...]


@dataclass
class CachedBoard:
    """One built board, its JSON (made on first use) and when it stops being valid."""

    board: Board
    expires: datetime
    _json: bytes | None = None

    def json(self) -> bytes:
        """The board serialised once for every API client that asks for it."""
        if self._json is None:
            self._json = self.board.model_dump_json().encode()
        return self._json


class BoardCache:
    """Boards per filter for one process, thread-safe (sync routes run in a thread pool)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[CacheKey, CachedBoard] = OrderedDict()
        self._building: dict[CacheKey, threading.Lock] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self.builds = 0  # for tests and the benchmark: how often the board was really built

    def on_event(self, message: dict[str, Any]) -> None:
        """EventBus listener: an availability change empties the cache."""
        if message.get("type") == "availability":
            self.invalidate()

    def invalidate(self) -> None:
        """Forget every board, and any build still running."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def get(self, session: Session, flt: BoardFilter, *, now: datetime | None = None
            ) -> CachedBoard:
        """The board for this filter, from the cache or freshly built (then cached)."""
        now = now or utcnow()
        key = _key(flt)
        with self._lock:
            found = self._valid(key, now)
            if found is not None:
                return found
            build_lock = self._building.setdefault(key, threading.Lock())
        # One request builds; the others that asked at the same time wait for its result
        # instead of all building the same board (every open board refetches at once).
        with build_lock:
            with self._lock:
                found = self._valid(key, now)
                generation = self._generation
            if found is not None:
                return found
            data, turns_stale = board_until(session, flt, now=now)
            entry = CachedBoard(data, min(now + MAX_AGE, turns_stale))
            with self._lock:
                self.builds += 1
                self._building.pop(key, None)  # later callers find the entry instead
                if generation == self._generation:
                    self._entries[key] = entry
                    while len(self._entries) > MAX_ENTRIES:
                        self._entries.popitem(last=False)
            return entry

    def _valid(self, key: CacheKey, now: datetime) -> CachedBoard | None:
        entry = self._entries.get(key)
        if entry is None or now >= entry.expires:
            return None
        return entry


_caches: weakref.WeakKeyDictionary[EventBus, BoardCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_for(bus: EventBus) -> BoardCache:
    """The board cache of the process whose events arrive on ``bus`` (created on first use)."""
    with _caches_lock:
        cache = _caches.get(bus)
        if cache is None:
            cache = _caches[bus] = BoardCache()
            bus.add_listener(cache.on_event)
        return cache


def cached_board(bus: EventBus, session: Session, flt: BoardFilter) -> CachedBoard:
    """The board for a read-only request; built uncached when the session could differ.

    Not shared: boards read by a session that filters rows by organisation (an edit
    context), with extra filter options, or inside a transaction the session does not own
    (bound to an outside connection, as the test suite does): such a transaction may still
    roll back, and what it saw must not reach other requests.
    """
    if (session.info.get("scope_org") is not None or flt.extra
            or isinstance(session.get_bind(), Connection)):
        now = utcnow()
        return CachedBoard(board(session, flt, now=now), now)
    return cache_for(bus).get(session, flt)


def _key(flt: BoardFilter) -> CacheKey:
    return tuple(getattr(flt, f.name) for f in fields(flt) if f.name != "extra")
