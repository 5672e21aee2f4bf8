"""Read-only sessions: on SQLite they read beside a writer instead of queueing for its lock."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from verkeerstoren.registry.models import Region
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.db import read_only_session


def test_a_read_only_session_reads_while_another_connection_holds_the_write_lock(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'ro.db'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:  # the app's first connection switches the file to WAL
        session.scalars(select(Region.name)).all()
    writer = sqlite3.connect(tmp_path / "ro.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # a report being written, say
        writer.execute("INSERT INTO region (name) VALUES ('Nog niet vastgelegd')")
        answers: list[list[str]] = []

        def read() -> None:
            with db.sessionmaker() as session, session.begin():
                read_only_session(session)
                answers.append(list(session.scalars(select(Region.name))))

        reader = threading.Thread(target=read)
        reader.start()
        # An ordinary session would wait up to the 30 s busy timeout for the write lock.
        reader.join(5)
        assert not reader.is_alive()
        assert answers == [[]]  # the uncommitted row is not seen
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        db.dispose()


def test_a_read_only_session_refuses_to_write(db: Database) -> None:
    with db.sessionmaker() as session:
        session.begin()
        read_only_session(session)
        session.add(Region(name="Mag niet"))
        with pytest.raises(RuntimeError, match="only reads"):
            session.flush()
        session.rollback()
    with db.session() as session:
        assert session.scalar(select(Region).where(Region.name == "Mag niet")) is None
