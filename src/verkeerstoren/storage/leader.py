"""Which of several app processes runs a job that must run in one place only (PostgreSQL).

The process that holds a session-level advisory lock on its own connection is the leader and
runs the job; the others try again each round. PostgreSQL ends the lock with the session, so
when the leader dies (kill -9, a cut connection, a lost host) the next round another process
takes over: no election of our own, only PostgreSQL's lock. For jobs whose work has no row to
claim (the audit checkpoint writes a file); jobs with rows claim each row instead.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class Leader:
    """``acquired()`` is True in the one process holding the lock ``key``."""

    def __init__(self, conninfo: str, key: int) -> None:
        self.conninfo = conninfo
        self.key = key
        self._conn: Any = None

    def acquired(self) -> bool:
        """Whether this process leads now (blocking; call from a worker thread)."""
        import psycopg

        if self._conn is not None:
            try:
                self._conn.execute("SELECT 1")
                return True
            except psycopg.Error:  # connection lost: so is the lock
                log.warning("lost the lead of advisory lock %s", self.key)
                self.release()
        try:
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            log.warning("cannot try advisory lock %s: %s", self.key, exc)
            return False
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if row is not None and row[0]:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already gone; the lock went with it
                log.debug("closing the leader connection failed", exc_info=True)
            self._conn = None
