"""Registry edits tell the open boards, so a kept board need not be re-read every half minute.

The board's rows join the registry (unit, location, organisation, gemeente, bed type, the
unit's bed types and features) to the bed states. Bed states announce every change with an
``availability`` event (board_cache); registry edits used to announce nothing, so every
process re-read each kept board in full after 30 s, whatever happened. With a thousand open
boards at national report rates those re-reads were about a fifth of the app's CPU
(bench.board_fanout, docs/performance-log.md 2026-12-05). Now a transaction that adds, changes
or removes a registry row sends one ``availability`` event without keys at its commit: every
process empties its board cache and every open board refetches its table, as after a bulk
report. The cache's ``MAX_AGE`` stays as a safety net for changes made outside the app.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from verkeerstoren.registry.models import (
    BedType,
    CareUnit,
    Feature,
    Gemeente,
    Location,
    Organisation,
    Region,
    UnitBedType,
    Wijk,
)
from verkeerstoren.storage import events, pending

# Every registry table a board row reads or filters on (capacity/board.py, _statement).
BOARD_TABLES = (Region, Gemeente, Wijk, Organisation, Location, BedType, Feature, CareUnit,
                UnitBedType)
_SENT = "vt_registry_event_sent"


def _touches_board(session: Session) -> bool:
    if any(isinstance(obj, BOARD_TABLES) for obj in session.new):
        return True
    if any(isinstance(obj, BOARD_TABLES) for obj in session.deleted):
        return True
    # A unit's features are a collection: a change there modifies the unit.
    return any(isinstance(obj, BOARD_TABLES) and session.is_modified(obj)
               for obj in session.dirty)


def install(factory: sessionmaker[Session]) -> None:
    """Queue one keyless availability event in any transaction that flushes a registry row."""

    @event.listens_for(factory, "after_flush")
    def _after_flush(session: Session, _context: UOWTransaction) -> None:
        # The marker lives in the transaction's pending buffers: a rolled-back savepoint
        # takes it (and its event) along, so a later flush queues the event again.
        if pending.has(session, _SENT) or not _touches_board(session):
            return
        pending.buffer(session, _SENT).append(True)
        # The keyless event a LISTEN reconnect sends too: board_cache empties, board.js refetches.
        events.emit(session, events.RESYNC, registry=True)
