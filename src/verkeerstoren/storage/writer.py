"""SQLite's one writer at a time, queued in Python: first come, first served, bounded wait.

SQLite lets one transaction write at a time. Left to its busy handler, waiting writers poll
the lock with growing sleeps: under a burst the newest often wins, and the unlucky ones wait
the whole busy timeout and fail. Here the writers of a process wait for their turn in arrival
order and give up after a bounded wait with :class:`WriterBusy` (answered 503 + Retry-After).
"""

from __future__ import annotations

import collections
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy.exc import TimeoutError as PoolTimeout


class WriterBusy(PoolTimeout):
    """The write lock did not come free in time (like a pool time-out: the database is busy)."""


class WriterQueue:
    """A lock granted in request order, with a bounded wait."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._waiting: collections.deque[object] = collections.deque()
        self._held = False

    @property
    def waiting(self) -> int:
        """Writers waiting for their turn now."""
        with self._turns:
            return len(self._waiting)

    def acquire(self, timeout: float) -> bool:
        me = object()
        deadline = time.monotonic() + timeout
        with self._turns:
            self._waiting.append(me)
            while self._held or self._waiting[0] is not me:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._waiting.remove(me)
                    self._turns.notify_all()  # the next in line may be us no longer
                    return False
                self._turns.wait(remaining)
            self._waiting.popleft()
            self._held = True
            return True

    def release(self) -> None:
        with self._turns:
            self._held = False
            self._turns.notify_all()


class WriterConnection(sqlite3.Connection):
    """A pysqlite connection that gives the write lock back once its COMMIT or ROLLBACK is done
    (not before: the next writer's BEGIN IMMEDIATE would meet SQLite's lock and sleep)."""

    writer: WriterQueue | None = None
    holds_writer = False

    def take_writer(self, timeout: float) -> None:
        if self.writer is None or self.holds_writer:
            return
        if not self.writer.acquire(timeout):
            raise WriterBusy(f"no turn to write within {timeout:g} s")
        self.holds_writer = True

    def give_writer(self) -> None:
        if self.holds_writer and self.writer is not None:
            self.holds_writer = False
            self.writer.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_writer()


def configure(dbapi_connection: Any, writer: WriterQueue) -> None:
    """Attach the process's queue to a new connection (SQLAlchemy's connect event)."""
    if isinstance(dbapi_connection, WriterConnection):
        dbapi_connection.writer = writer
