"""Work queued in a session's transaction and done once, just before (or after) its commit.

The audit trail and live events are collected while a transaction runs and written in one
statement each at commit time. For the audit chain this matters most: appending takes a
database-wide lock (the chain must not fork), and taking it at the last moment means it is held
for two statements and the commit, not for the whole transaction — writers no longer queue
behind each other's work.

A buffer follows the transaction it was filled in: what was queued inside a savepoint that is
rolled back is dropped with it, and everything is dropped when the transaction ends without a
commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

_BUFFERS = "vt_pending"
_MARKS = "vt_pending_marks"
_SEALED = "vt_pending_sealed"

Finisher = Callable[[Session], None]


def buffer(session: Session, name: str) -> list[Any]:
    """The session's queue called ``name`` (created empty on first use)."""
    buffers: dict[str, list[Any]] = session.info.setdefault(_BUFFERS, {})
    return buffers.setdefault(name, [])


def has(session: Session, name: str) -> bool:
    """Whether the queue called ``name`` holds anything (without creating it)."""
    return bool(session.info.get(_BUFFERS, {}).get(name))


def take(session: Session, name: str) -> list[Any]:
    """Empty the queue and return what was in it."""
    buffers: dict[str, list[Any]] = session.info.get(_BUFFERS, {})
    return buffers.pop(name, [])


def sealed(session: Session) -> bool:
    """True once the commit-time writers ran: anything queued later must be written at once."""
    return bool(session.info.get(_SEALED))


def _forget(session: Session) -> None:
    session.info.pop(_BUFFERS, None)
    session.info.pop(_MARKS, None)
    session.info.pop(_SEALED, None)


def install(factory: sessionmaker[Session], *, before_commit: list[Finisher],
            after_commit: list[Finisher]) -> None:
    """Run the writers in order at the outermost commit; keep savepoints and rollbacks honest."""

    @event.listens_for(factory, "after_transaction_create")
    def _mark(session: Session, transaction: SessionTransaction) -> None:
        if transaction.nested:
            buffers: dict[str, list[Any]] = session.info.get(_BUFFERS, {})
            marks = session.info.setdefault(_MARKS, {})
            marks[transaction] = {name: len(items) for name, items in buffers.items()}

    @event.listens_for(factory, "after_soft_rollback")
    def _rollback(session: Session, previous: SessionTransaction) -> None:
        if previous.nested:
            mark: dict[str, int] = session.info.get(_MARKS, {}).pop(previous, {})
            for name, items in session.info.get(_BUFFERS, {}).items():
                del items[mark.get(name, 0):]
        elif previous.parent is None:
            _forget(session)

    @event.listens_for(factory, "before_commit")
    def _before_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint is released; its work waits for the real commit
        # The ORM's own final flush comes after this hook; flushing now lets the audit hook
        # queue what that flush writes before the writers below run.
        if session.new or session.dirty or session.deleted:
            session.flush()
        for finish in before_commit:
            finish(session)
        session.info[_SEALED] = True

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return
        for finish in after_commit:
            finish(session)

    @event.listens_for(factory, "after_transaction_end")
    def _end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            _forget(session)
