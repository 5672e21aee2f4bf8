"""SQLite writers of one process take turns in arrival order and give up after a bounded wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from verkeerstoren.registry.models import Region
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.writer import WriterBusy


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    migrate.upgrade(url)
    db = Database(url)
    yield db
    db.dispose()


def _wait_for(predicate: Callable[[], bool]) -> None:
    """Poll a state (never a duration): bounded so that a broken queue fails, not hangs."""
    deadline = time.monotonic() + 60
    while not predicate():
        assert time.monotonic() < deadline, "the state was never reached"
        time.sleep(0.01)


def test_writers_take_turns_in_the_order_they_came(sqlite_db: Database) -> None:
    order: list[int] = []

    def write(n: int) -> None:
        with sqlite_db.session() as session:
            session.add(Region(name=f"Regio {n}"))
            session.flush()
            order.append(n)

    first = sqlite_db.sessionmaker()
    first.begin()
    first.add(Region(name="Eerst"))
    first.flush()  # BEGIN IMMEDIATE: this session has the turn
    writers = []
    for n in range(6):
        writers.append(threading.Thread(target=write, args=(n,)))
        writers[-1].start()
        _wait_for(lambda: sqlite_db.writer.waiting == len(writers))
    first.commit()
    first.close()
    for thread in writers:
        thread.join(60)
    assert order == list(range(6))
    with sqlite_db.session() as session:
        assert len(session.scalars(select(Region)).all()) == 7


def test_a_writer_that_waits_too_long_gives_up_and_the_turn_passes_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    migrate.upgrade(url)
    db = Database(url, wait_seconds=0.2)
    try:
        holder = db.sessionmaker()
        holder.begin()
        holder.add(Region(name="Houdt vast"))
        holder.flush()
        failed: list[BaseException] = []

        def write() -> None:
            try:
                with db.session() as session:
                    session.add(Region(name="Te laat"))
                    session.flush()
            except WriterBusy as exc:
                failed.append(exc)

        late = threading.Thread(target=write)
        late.start()
        late.join(60)
        assert len(failed) == 1  # a 503 in the app, not a hang
        holder.rollback()  # gives the turn back, like a commit or a closed connection
        holder.close()
        with db.session() as session:
            session.add(Region(name="Daarna"))
        with db.session() as session:
            assert session.scalars(select(Region.name)).all() == ["Daarna"]
        assert db.writer.waiting == 0
    finally:
        db.dispose()
