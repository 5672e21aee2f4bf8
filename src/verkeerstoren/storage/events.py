"""Live events: emitted inside a transaction, delivered to subscribers only after it commits.

Events wait in the session (``storage.pending``) until the commit. On PostgreSQL they are sent as
``NOTIFY``s in one statement just before it, inside the writing transaction; PostgreSQL delivers
them at commit to every process that ``LISTEN``s, so a report made through one app process reaches
the boards served by another. On SQLite (one process) they fan out in memory after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from verkeerstoren.storage import pending
from verkeerstoren.storage.base import is_postgresql

log = logging.getLogger(__name__)
CHANNEL = "vt_events"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
MAX_PAYLOAD = 7900
_QUEUE = "events"
# Sent to this process's subscribers after the LISTEN connection came back (events may be lost).
RESYNC = "availability"
# Whether a subscriber wants an event (see EventBus.listen).
Accepts = Callable[[dict[str, Any]], bool]
_Subscriber = tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]


class EventBus:
    """In-process fan-out to asyncio subscribers; thread-safe publishing."""

    def __init__(self) -> None:
        self._subscribers: dict[_Subscriber, Accepts | None] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []

    def add_listener(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call ``callback`` synchronously for every message, before any subscriber gets it.

        For in-process caches: they are invalidated before a live board hears of the change
        and refetches, so the refetch never meets the old cached answer.
        """
        with self._lock:
            self._listeners.append(callback)

    def publish(self, message: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers.items())
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback(message)
            except Exception:  # one faulty listener must not stop delivery to the boards
                log.exception("event listener failed")
        # Streams that share a filter share its function: asked once per event, not once per
        # stream (a thousand open boards of 25 regions: 25 answers per report, not 1,000).
        verdicts: dict[int, bool] = {}
        # One hand-over per event loop, not per stream: each is a lock, a handle and a wake-up
        # of the loop, and the 20 open boards of a region in a process were 20 of them.
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Queue[dict[str, Any]]]] = {}
        for (loop, queue), accepts in targets:
            if accepts is not None:
                verdict = verdicts.get(id(accepts))
                if verdict is None:
                    verdict = verdicts[id(accepts)] = _accepted(accepts, message)
                if not verdict:
                    continue
            by_loop.setdefault(loop, []).append(queue)
        for loop, queues in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the subscribers' loop has closed
                loop.call_soon_threadsafe(_put_all, queues, message)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @contextlib.contextmanager
    def listen(self, accepts: Accepts | None = None) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        """A queue that receives every event published while the block runs (with
        ``accepts``: only those it returns True for).

        ``accepts`` runs in the publishing thread, before the subscriber is woken: a thousand
        open boards each woken for every report in the country, to drop most of them, cost
        more CPU than the reports themselves (bench.mixed). It must be cheap and thread-safe;
        when it raises, the event is delivered.

        Waiting on ``queue.get()`` may be cancelled (a heartbeat timeout) without losing the
        subscription, unlike cancelling a pending ``anext()`` of an async generator.
        """
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers[entry] = accepts
        try:
            yield queue
        finally:
            with self._lock:
                self._subscribers.pop(entry, None)


def _accepted(accepts: Accepts, message: dict[str, Any]) -> bool:
    try:
        return accepts(message)
    except Exception:  # a faulty filter must not hide a change from a board
        log.exception("event filter failed")
        return True


def _put_all(queues: list[asyncio.Queue[dict[str, Any]]], message: dict[str, Any]) -> None:
    for queue in queues:
        # A subscriber that stopped reading loses old events rather than blocking everyone.
        if queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
        queue.put_nowait(message)


def emit(session: Session, kind: str, **data: Any) -> None:
    """Queue an event in the session's transaction; subscribers see it only after commit."""
    emit_sparing(session, kind, None, **data)


def emit_sparing(session: Session, kind: str, extra: dict[str, Any] | None, /,
                 **data: Any) -> None:
    """:func:`emit`, with ``extra``: fields that save the listeners work but that they can
    do without (a report's new bed states); left out when the event would be too long."""
    message = {"type": kind, **data}
    payload = None
    if extra:
        payload = json.dumps({**message, **extra}, default=str, separators=(",", ":"))
        if len(payload) > MAX_PAYLOAD:
            payload = None
    if payload is None:
        payload = json.dumps(message, default=str, separators=(",", ":"))
    if len(payload) > MAX_PAYLOAD:
        payload = json.dumps({"type": kind, "truncated": True})
    pending.buffer(session, _QUEUE).append(payload)
    if pending.sealed(session):  # queued after the commit-time writers ran: send it now
        send_queued(session)


def queued(session: Session) -> list[dict[str, Any]]:
    """Take the events queued in this transaction (tests deliver them by hand)."""
    return [json.loads(payload) for payload in pending.take(session, _QUEUE)]


def send_queued(session: Session) -> None:
    """PostgreSQL, just before the commit: all of the transaction's NOTIFYs in one statement.

    PostgreSQL delivers them at commit, in order, to every process that LISTENs; repeated
    identical events (one per changed row, say) are sent once.
    """
    if is_postgresql(session):
        send_payloads(session, take_payloads(session))


def take_payloads(session: Session) -> list[str]:
    """The transaction's queued NOTIFY payloads, each once, in order (the queue is emptied).

    For a commit-time writer that sends them in its own statement (``audit.service``).
    """
    return list(dict.fromkeys(pending.take(session, _QUEUE)))


def send_payloads(session: Session, payloads: list[str]) -> None:
    """PostgreSQL: send these payloads as NOTIFYs on the events channel, one statement."""
    if payloads:
        session.execute(
            text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p"),
            {"channel": CHANNEL, "payloads": payloads})


def install_local_delivery(bus: EventBus) -> Callable[[Session], None]:
    """SQLite path: after the commit, publish the transaction's events in memory."""

    def _after_commit(session: Session) -> None:
        for message in queued(session):
            bus.publish(message)

    return _after_commit


class PostgresListener:
    """A thread that LISTENs on the events channel and feeds the bus (one per app process)."""

    def __init__(self, conninfo: str, bus: EventBus) -> None:
        self.conninfo = conninfo
        self.bus = bus
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)
        self.ready = threading.Event()
        self.connected = False  # read by /readyz
        self.reconnects = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected = True
                    if self.ready.is_set():
                        # Events committed while the connection was down never reach this
                        # process: an availability event without keys empties the board cache
                        # and makes every open board refetch its table (board.js).
                        self.reconnects += 1
                        log.warning("LISTEN connection back; open boards refetch")
                        self.bus.publish({"type": RESYNC})
                    self.ready.set()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=0.5):
                            self.bus.publish(json.loads(notice.payload))
            except Exception:  # reconnect after a dropped connection
                self.connected = False
                log.exception("LISTEN connection failed; retrying")
                self._stop.wait(0.5)
