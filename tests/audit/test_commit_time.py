"""Audit entries and live events are queued in the transaction and written at its commit.

What a savepoint that is rolled back queued is dropped with it; a rolled-back transaction writes
nothing; and writers that commit at the same time still build one unbroken chain.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import _create_database
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.audit import service
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.registry.models import Organisation, OrganisationKind
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, events, migrate


def _logged(session: Session, name: str) -> int:
    return session.scalar(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "organisation", AuditEntry.detail.contains(name))) or 0


def test_entries_are_written_at_commit_and_visible_before_it(session: Session) -> None:
    session.add(Organisation(name="Commit-huis", kind=OrganisationKind.PROVIDER))
    session.flush()
    assert service.session_has_queue(session)  # queued, not yet written …
    assert _logged(session, "Commit-huis") == 1  # … but a query of the log sees it
    session.commit()
    assert _logged(session, "Commit-huis") == 1
    assert service.verify(session).ok


def test_a_rolled_back_savepoint_takes_its_entries_and_events_with_it(session: Session) -> None:
    session.add(Organisation(name="Blijft-huis", kind=OrganisationKind.PROVIDER))
    session.flush()
    events.emit(session, "kept")
    savepoint = session.begin_nested()
    session.add(Organisation(name="Verdwijnt-huis", kind=OrganisationKind.PROVIDER))
    session.flush()
    events.emit(session, "dropped")
    savepoint.rollback()
    # The first flush added a registry row, which announces itself to the boards once per
    # transaction (capacity.registry_watch); the savepoint's own event went with it.
    assert [m["type"] for m in events.queued(session)] == ["availability", "kept"]
    session.commit()
    assert _logged(session, "Blijft-huis") == 1
    assert _logged(session, "Verdwijnt-huis") == 0


def test_a_released_savepoint_keeps_its_entries_for_the_commit(session: Session) -> None:
    with session.begin_nested():
        session.add(Organisation(name="Savepoint-huis", kind=OrganisationKind.PROVIDER))
    session.commit()
    assert _logged(session, "Savepoint-huis") == 1


def test_a_rolled_back_transaction_writes_nothing(session: Session) -> None:
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    session.add(Organisation(name="Nooit-huis", kind=OrganisationKind.PROVIDER))
    session.flush()
    session.rollback()
    assert not service.session_has_queue(session)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


@pytest.fixture
def committed_db(tmp_path: Path) -> Iterator[Database]:
    url, drop = _create_database(tmp_path, "chain")
    migrate.upgrade(url)
    db = install_hooks(Database(url, pool_size=12))
    yield db
    db.dispose()
    drop()


def test_concurrent_committers_build_one_unbroken_chain(committed_db: Database) -> None:
    """Twelve threads commit 10 transactions each at once; the chain must not fork."""
    threads, rounds = 12, 10
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for r in range(rounds):
                with committed_db.session() as session:
                    bind_actor(session, system_actor(f"writer {n}"))
                    session.add(Organisation(name=f"Keten {n}-{r}",
                                             kind=OrganisationKind.PROVIDER))
                    service.append(session, system_actor(f"writer {n}"), action="read",
                                   entity="organisation", entity_id=r)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failures
    with committed_db.session() as session:
        result = service.verify(session)
        assert result.ok, result.problem
        assert result.checked == threads * rounds * 2


def test_a_writer_does_not_wait_for_another_writers_chain(committed_db: Database) -> None:
    """PostgreSQL: while one transaction holds a chain, another appends to a different one."""
    if committed_db.is_sqlite:
        pytest.skip("SQLite has one chain: its writers are serialised by BEGIN IMMEDIATE")
    actor = system_actor("chain test")
    with committed_db.session() as first:
        service.append(first, actor, action="read", entity="organisation", entity_id=1)
        service.write_queued(first)  # holds its chain's lock until this block commits
        held = first.scalar(select(AuditEntry.chain).order_by(AuditEntry.id.desc()).limit(1))
        other: list[int | None] = []

        def second_writer() -> None:
            with committed_db.session() as second:
                service.append(second, actor, action="read", entity="organisation",
                               entity_id=2)
                service.write_queued(second)
                other.append(second.scalar(
                    select(AuditEntry.chain).order_by(AuditEntry.id.desc()).limit(1)))

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(timeout=30)  # a guard against hanging, not a timing assertion
        assert not thread.is_alive(), "the second writer waited for the first one's chain"
        assert other
        assert other[0] != held
    with committed_db.session() as session:
        assert service.verify(session).ok
