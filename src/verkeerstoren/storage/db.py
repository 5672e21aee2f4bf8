"""Database handle: engine and session factory built from settings, never at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from verkeerstoren.storage import writer
from verkeerstoren.storage.events import EventBus

# How long commands and tests wait for a connection or SQLite's write lock; the web app waits
# less (Settings.database_wait_seconds) and answers 503 instead.
PATIENT_WAIT_SECONDS = 30.0


def normalise_url(url: str) -> str:
    """Use psycopg 3 for every PostgreSQL URL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine, queue: writer.WriterQueue, wait_seconds: float) -> None:
    # pysqlite's own transaction handling defers BEGIN and cannot do BEGIN IMMEDIATE;
    # we switch it off and emit BEGIN IMMEDIATE ourselves so that two writers never
    # both read the same free bed before one of them writes (SQLAlchemy's documented recipe).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        writer.configure(dbapi_connection, queue)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Writers of this process queue in Python (writer.py); SQLite's own wait is only for
        # another process's writer (a command, a second server) and as short as ours.
        cursor.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # A plain (deferred) transaction: in WAL mode a reader neither waits for the
            # writer nor holds it up. Taking the write lock for every request made the 200
            # refetches of 100 open boards after one report queue behind each other for
            # seconds, and some gave up ("database is locked").
            connection.exec_driver_sql("BEGIN")
            return
        # The process's writers take turns before BEGIN IMMEDIATE; the COMMIT or ROLLBACK of
        # the connection gives the turn back (writer.WriterConnection).
        dbapi_connection = connection.connection.dbapi_connection
        dbapi_connection.take_writer(wait_seconds)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.give_writer()
            raise


# Execution option for a session that only reads (see read_only_session): on SQLite its
# transaction does not take the write lock.
READ_ONLY = "verkeerstoren_read_only"


def read_only_session(session: Session) -> None:
    """Make this new session's transaction a read-only one; call before its first query.

    Anything it then tries to write is refused at the flush: on SQLite a read transaction
    that turns into a write fails whenever another writer committed in between.
    """
    session.info[READ_ONLY] = True
    session.connection(execution_options={READ_ONLY: True})


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("this session only reads; write in an edit context")


class Database:
    """One engine and its session factory; create one per app (tests create several)."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10,
                 wait_seconds: float = PATIENT_WAIT_SECONDS) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.wait_seconds = wait_seconds
        # A full pool fails after this wait (sqlalchemy.exc.TimeoutError: a 503 in the app).
        kwargs: dict[str, Any] = {"echo": echo, "pool_timeout": wait_seconds}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": wait_seconds,
                                      "factory": writer.WriterConnection}
            # A connection per worker thread (40 in the app's thread pool) without waiting:
            # SQLite connections are cheap, and SQLAlchemy's default of 5 + 10 made requests
            # wait for one when many live boards asked at once.
            kwargs["pool_size"] = 10
            kwargs["max_overflow"] = 40
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_size"] = pool_size
            # Up to 20 more under load (twice a small pool): 10 + 20 by default.
            kwargs["max_overflow"] = min(20, 2 * pool_size)
        # Connections the pool may hand out at once (the app admits no more requests).
        self.capacity: int = kwargs["pool_size"] + kwargs["max_overflow"]
        self.engine = create_engine(self.url, **kwargs)
        self.writer = writer.WriterQueue()
        if self.is_sqlite:
            _configure_sqlite(self.engine, self.writer, wait_seconds)
        self.sessionmaker: sessionmaker[Session] = sessionmaker(
            self.engine, expire_on_commit=False
        )
        event.listen(self.sessionmaker, "before_flush", _refuse_writes)
        self.events = EventBus()
        self.hooks_installed = False

    @property
    def libpq_url(self) -> str:
        """The URL in libpq form, for a raw psycopg connection (LISTEN)."""
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
