"""A per-process cache of the regional board per filter, kept current by availability events.

Every open board refetches after each report, so without a cache one report costs one full
board build per open board. An event that names its keys (``keys=[[unit_id, bed_type]]``: a
report of up to 50 rows, a hold, a release, a fill) does not throw the boards away: the next
request puts those keys' new rows in place of the old ones
(:meth:`board_data.BoardData.refreshed`, the same row code a full build runs, at the new
moment; the other rows and the totals are kept, not recomputed). A report's event carries the
new bed states (``states``), so its rows need no read at all (:meth:`BoardCache.serve_from_events`,
what the live boards' streams use); the keys of a hold, release or fill are read again. An
event without keys (a bulk report) empties the cache. The cache is correct because:

* every change of a bed state (report, hold, release, fill) emits an ``availability`` event,
  and :class:`EventBus` calls our listener *before* any live board hears of the event, so a
  refetch never meets a board without that change (on PostgreSQL the LISTEN thread of every
  process feeds its bus, so this holds across processes);
* events are numbered; an entry remembers the number that was current *before* its rows were
  read, so a change that commits while a board is being read is applied again at the next
  request, and a build that overlapped an emptying of the cache is not stored. Applying again
  is safe: events arrive in commit order and the newest change of a key decides (its state,
  or a read that sees at least that commit). A board may show a row's older state for the
  milliseconds between a read that saw a newer commit and that commit's event;
* registry edits send an ``availability`` event without keys at their commit
  (:mod:`registry_watch`), which empties the cache, and so does a LISTEN connection that comes
  back (``storage.events``);
* an entry expires when its first fresh figure turns stale, and at most :data:`MAX_AGE` after
  its last full build (refreshes do not extend that): a safety net for changes made outside
  the app, such as SQL typed by hand;
* only boards read by the app's own read-only transactions are shared (see
  :func:`served_board`).

Known gap: on PostgreSQL the writing process itself learns of its commit through its LISTEN
thread, a few milliseconds after the commit; a GET in that window can still get the old board.
Live boards are not affected (they refetch only after the event).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from verkeerstoren.access.scoping import read_scope
from verkeerstoren.capacity.board import fetch
from verkeerstoren.capacity.board_data import (
    NEVER,
    BoardData,
    BoardFilter,
    Key,
    Raw,
    State,
    assemble,
    state_from_event,
    with_state,
)
from verkeerstoren.capacity.schemas import Board
from verkeerstoren.storage.base import utcnow
from verkeerstoren.storage.events import EventBus

# A safety net only: registry edits and every bed-state change send events (registry_watch).
MAX_AGE = timedelta(minutes=10)
MAX_ENTRIES = 64  # filters come from query strings; bound the memory they can take
MAX_CHANGES = 2000  # keyed events remembered; an entry older than that is rebuilt
MAX_REFRESH_KEYS = 500  # more changed keys than this: a full build is as cheap
MAX_SHARED_FILTERS = 256  # filters whose event test open streams share (query strings: bound)

CacheKey = tuple[Any, ...]
# A keyed event's keys, each with its new bed state when the event carried it (a report) or
# None when the row must be read again (a hold, a release, a fill).
Changes = dict[Key, State | None]


@dataclass
class CachedBoard:
    """One board, its raw rows (for refreshes), its JSON (made on first use) and validity."""

    data: BoardData
    expires: datetime
    raw: dict[Key, Raw] = field(default_factory=dict)
    seq: int = 0  # every keyed event up to this number is in the rows
    full_expiry: datetime = NEVER  # MAX_AGE after the last full build
    _json: bytes | None = None
    _model: Board | None = None
    # Renderings of this board (the live table's HTML per language, the map's spec): every
    # open board refetches both after each report, so each is made once per board version.
    _derived: dict[tuple[str, ...], bytes] = field(default_factory=dict)
    _derive_lock: threading.Lock = field(default_factory=threading.Lock)

    def json(self) -> bytes:
        """The board serialised once for every API client that asks for it."""
        if self._json is None:
            self._json = self.data.json()
        return self._json

    def derived(self, key: tuple[str, ...], make: Callable[[], bytes]) -> bytes:
        """``make()``'s bytes for this board, made by the first caller only (the others, who
        asked at the same time, wait for it instead of rendering the same thing again)."""
        found = self._derived.get(key)
        if found is None:
            with self._derive_lock:
                found = self._derived.get(key)
                if found is None:
                    found = self._derived[key] = make()
        return found

    @property
    def board(self) -> Board:
        """The board as the pydantic model (built on first use)."""
        if self._model is None:
            self._model = self.data.model()
        return self._model


class Served(NamedTuple):
    """A board and how this call got it: "cached", "refresh" or "full" (a build)."""

    entry: CachedBoard
    how: str


class BoardCache:
    """Boards per filter for one process, thread-safe (sync routes run in a thread pool)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[CacheKey, CachedBoard] = OrderedDict()
        self._building: dict[CacheKey, threading.Lock] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped when the cache is emptied
        self._seq = 0  # number of the last keyed event
        self._changes: deque[tuple[int, Changes]] = deque(maxlen=MAX_CHANGES)
        self._concerns: dict[CacheKey, Callable[[dict[str, Any]], bool]] = {}
        self.builds = 0  # for tests and the benchmark: how often the board was really built
        self.refreshes = 0  # … and how often only changed keys were put in place,
        self.rows_from_events = 0  # … how many rows of those came with their event
        self.rows_read = 0  # … and how many were read again

    def on_event(self, message: dict[str, Any]) -> None:
        """EventBus listener: note the changed keys, or empty the cache if it does not say."""
        if message.get("type") != "availability":
            return
        keys = event_keys(message)
        if keys is None:
            self.invalidate()
            return
        states = message.get("states")
        if not isinstance(states, list) or len(states) != len(keys):
            states = [None] * len(keys)
        changes: Changes = {k: state_from_event(item) if item is not None else None
                            for k, item in zip(keys, states, strict=True)}
        with self._lock:
            self._seq += 1
            self._changes.append((self._seq, changes))

    def invalidate(self) -> None:
        """Forget every board, and any build still running."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def knows(self, flt: BoardFilter) -> bool:
        """Whether this process has built a board for this filter and still keeps it (maybe
        expired): somebody is looking at that board, so pushing its changes is worth it."""
        with self._lock:
            return _key(flt) in self._entries

    def concerns_for(self, flt: BoardFilter) -> Callable[[dict[str, Any]], bool]:
        """:meth:`concerns` for one filter, the same function for every stream of that filter
        (the event bus asks a shared function once per event)."""
        key = _key(flt)
        with self._lock:
            found = self._concerns.get(key)
            if found is None:
                def found(message: dict[str, Any]) -> bool:
                    return self.concerns(flt, message)
                if len(self._concerns) < MAX_SHARED_FILTERS:
                    self._concerns[key] = found
            return found

    def concerns(self, flt: BoardFilter, message: dict[str, Any]) -> bool:
        """Whether an event can change this filter's board: False for any event other than
        ``availability`` and for one whose keys are all off the board this process keeps for
        the filter.

        Other events (a placement request moved, a notification) change no board and the
        board's page listens to ``availability`` alone: sent to every open board they cost a
        thousand frames each, three per placement (bench.mixed), and told every board viewer
        the ids of other organisations' requests and notifications.

        Which rows a filter selects depends on the registry only (see ``_refreshed``), and a
        registry edit empties the cache (registry_watch): a board past MAX_AGE, or not kept
        here, says True (the stream then asks ``served_board``, which rebuilds it).
        """
        if message.get("type") != "availability":
            return False
        keys = event_keys(message)
        if keys is None:
            return True
        with self._lock:
            entry = self._entries.get(_key(flt))
        if entry is None or utcnow() >= entry.full_expiry:
            return True
        return not entry.raw.keys().isdisjoint(keys)

    def serve(self, session: Session, flt: BoardFilter, *, now: datetime | None = None
              ) -> Served:
        """The board for this filter: cached, refreshed for changed keys, or built anew."""
        served = self._serve(flt, now or utcnow(), session)
        assert served is not None  # with a session every way is open
        return served

    def serve_from_events(self, flt: BoardFilter, *, now: datetime | None = None
                          ) -> Served | None:
        """The board for this filter if it is kept here and its changes since need no read
        (their events carried the new states); else None, and the caller asks :meth:`serve`
        with a session. Never waits: None as well while another thread builds this board.

        For the live board's streams: most events are reports, and each process used to open
        a session and read the reported rows back, once per event (bench.board_fanout)."""
        return self._serve(flt, now or utcnow(), None)

    def _serve(self, flt: BoardFilter, now: datetime, session: Session | None
               ) -> Served | None:
        key = _key(flt)
        with self._lock:
            found, changed = self._lookup(key, now)
            if found is not None and not changed:
                return Served(found, "cached")
            if session is None and (found is None or _needs_read(found, changed)):
                return None
            build_lock = self._building.setdefault(key, threading.Lock())
        # One request builds; the others that asked at the same time wait for its result
        # instead of all building the same board (every open board refetches at once).
        if not build_lock.acquire(blocking=session is not None):
            return None
        try:
            with self._lock:
                found, changed = self._lookup(key, now)
                generation, seq = self._generation, self._seq
            if found is not None and not changed:
                return Served(found, "cached")
            if found is not None and (session is not None or not _needs_read(found, changed)):
                entry, how = self._refreshed(session, flt, found, changed, now, seq)
            elif session is not None:
                raw = fetch(session, flt)
                data = assemble(raw.values(), flt, now)
                entry = CachedBoard(data, min(now + MAX_AGE, data.turns_stale), raw, seq,
                                    now + MAX_AGE)
                how = "full"
            else:
                return None  # changed while we took the lock: the caller reads
            with self._lock:
                if how == "full":
                    self.builds += 1
                elif how == "refresh":
                    self.refreshes += 1
                self._building.pop(key, None)  # later callers find the entry instead
                if generation == self._generation:
                    self._entries[key] = entry
                    self._entries.move_to_end(key)
                    while len(self._entries) > MAX_ENTRIES:
                        self._entries.popitem(last=False)
            return Served(entry, how)
        finally:
            build_lock.release()

    def _refreshed(self, session: Session | None, flt: BoardFilter, found: CachedBoard,
                   changed: Changes, now: datetime, seq: int) -> tuple[CachedBoard, str]:
        # A key that is not among the raw rows cannot join the board through an event: which
        # rows a filter selects depends on the registry only (fresh/available are decided in
        # assemble), so a report elsewhere in the country leaves this board as it is.
        relevant = {k: state for k, state in changed.items() if k in found.raw}
        if not relevant:
            return replace(found, seq=seq), "cached"
        # Rows whose event carried their state get it on their registry columns; the others
        # (holds, releases) are read again. Events arrive in commit order (NOTIFY), and the
        # last one of a key decides, so the row ends as the newest commit left it.
        unread = [k for k, state in relevant.items() if state is None]
        fetched = fetch(session, flt, unread) if unread and session is not None else {}
        self.rows_read += len(unread)
        self.rows_from_events += len(relevant) - len(unread)
        new: dict[Key, Raw | None] = {}
        for changed_key, state in relevant.items():
            new[changed_key] = (fetched.get(changed_key) if state is None
                                else with_state(found.raw[changed_key], state))
        raw = dict(found.raw)
        for changed_key, row in new.items():
            if row is None:
                raw.pop(changed_key)  # it left the filter
            else:
                raw[changed_key] = row
        # Only the changed rows are placed anew (board_data): re-assembling the region's
        # whole board for every report took both cores at national rates (bench.mixed).
        data = found.data.refreshed(new, flt, now)
        return CachedBoard(data, min(found.full_expiry, data.turns_stale), raw, seq,
                           found.full_expiry), "refresh"

    def _lookup(self, key: CacheKey, now: datetime) -> tuple[CachedBoard | None, Changes]:
        """The entry and the keys changed since it was read, each with its newest state (or
        None: read it); (None, {}) when it must be built anew (none, expired, or too many or
        forgotten changes)."""
        entry = self._entries.get(key)
        if entry is None or now >= entry.expires:
            return None, {}
        if entry.seq == self._seq:
            return entry, {}
        if not self._changes or self._changes[0][0] > entry.seq + 1:
            return None, {}  # some of the changes since are no longer remembered
        changed: Changes = {}
        for number, changes in reversed(self._changes):  # newest first: the first one counts
            if number <= entry.seq:
                break
            for changed_key, state in changes.items():
                changed.setdefault(changed_key, state)
            if len(changed) > MAX_REFRESH_KEYS:
                return None, {}
        return entry, changed


def _needs_read(found: CachedBoard, changed: Changes) -> bool:
    """Whether a change of a row on this board came without its new state."""
    return any(state is None and k in found.raw for k, state in changed.items())


def event_keys(message: dict[str, Any]) -> tuple[Key, ...] | None:
    """The unit × bed-type keys an event names, or None when it does not name them all."""
    keys = message.get("keys")
    if not isinstance(keys, list):
        return None
    out: list[Key] = []
    for item in keys:
        if (not isinstance(item, list | tuple) or len(item) != 2
                or not isinstance(item[0], int) or not isinstance(item[1], str)):
            return None
        out.append((item[0], item[1]))
    return tuple(out)


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


def served_board(bus: EventBus, session: Session, flt: BoardFilter) -> Served:
    """The board for a read-only request and how it was got; built uncached when the
    session could differ.

    Not shared: boards read by a session that filters rows by organisation (an edit
    context), or inside a transaction the session does not own
    (bound to an outside connection, as the test suite does): such a transaction may still
    roll back, and what it saw must not reach other requests.
    """
    if read_scope(session) is not None or isinstance(session.get_bind(), Connection):
        now = utcnow()
        raw = fetch(session, flt)
        return Served(CachedBoard(assemble(raw.values(), flt, now), now, raw), "full")
    return cache_for(bus).serve(session, flt)


def _key(flt: BoardFilter) -> CacheKey:
    return tuple(getattr(flt, f.name) for f in fields(flt))
