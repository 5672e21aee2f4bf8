"""Live events: emitted inside a transaction, delivered to subscribers only after it commits.

On PostgreSQL an event is a ``NOTIFY`` sent in the writing transaction; PostgreSQL delivers it at
commit to every process that ``LISTEN``s, so a report made through one app process reaches the
boards served by another. On SQLite (one process) events wait in the session until commit and
then fan out in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
CHANNEL = "vt_events"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
MAX_PAYLOAD = 7900


class EventBus:
    """In-process fan-out to asyncio subscribers; thread-safe publishing."""

    def __init__(self) -> None:
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = (
            set()
        )
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
            targets = list(self._subscribers)
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback(message)
            except Exception:  # one faulty listener must not stop delivery to the boards
                log.exception("event listener failed")
        for loop, queue in targets:
            with contextlib.suppress(RuntimeError):  # the subscriber's loop has closed
                loop.call_soon_threadsafe(_put, queue, message)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @contextlib.contextmanager
    def listen(self) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        """A queue that receives every event published while the block runs.

        Waiting on ``queue.get()`` may be cancelled (a heartbeat timeout) without losing the
        subscription, unlike cancelling a pending ``anext()`` of an async generator.
        """
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield queue
        finally:
            with self._lock:
                self._subscribers.discard(entry)


def _put(queue: asyncio.Queue[dict[str, Any]], message: dict[str, Any]) -> None:
    # A subscriber that stopped reading loses old events rather than blocking everyone.
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(message)


def emit(session: Session, kind: str, **data: Any) -> None:
    """Queue an event in the session's transaction; subscribers see it only after commit."""
    message = {"type": kind, **data}
    payload = json.dumps(message, default=str, separators=(",", ":"))
    if len(payload) > MAX_PAYLOAD:
        payload = json.dumps({"type": kind, "truncated": True})
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, payload)))
    else:
        session.info.setdefault("pending_events", []).append(json.loads(payload))


def install_local_delivery(factory: sessionmaker[Session], bus: EventBus) -> None:
    """SQLite path: publish queued events after the commit, drop them on rollback."""

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        for message in session.info.pop("pending_events", []):
            bus.publish(message)

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop("pending_events", None)


class PostgresListener:
    """A thread that LISTENs on the events channel and feeds the bus (one per app process)."""

    def __init__(self, conninfo: str, bus: EventBus) -> None:
        self.conninfo = conninfo
        self.bus = bus
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)
        self.ready = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=0.5):
                            self.bus.publish(json.loads(notice.payload))
            except Exception:  # reconnect after a dropped connection
                log.exception("LISTEN connection failed; retrying")
                self._stop.wait(1.0)
