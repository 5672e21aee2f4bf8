"""Builds the database handle with the session hooks every entry point needs (web, CLI, tests)."""

from __future__ import annotations

import gc

from verkeerstoren.access import scoping
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity import registry_watch
from verkeerstoren.notifications import reservations as hold_notifications
from verkeerstoren.settings import Settings
from verkeerstoren.storage import Database, events, pending


def install_hooks(db: Database) -> Database:
    """Attach organisation scoping, the audit trail, the notifications about holds and the
    boards' event for registry edits to the session factory (once)."""
    if not db.hooks_installed:
        scoping.install(db.sessionmaker)
        audit.install(db.sessionmaker)
        hold_notifications.subscribe(db.sessionmaker)
        registry_watch.install(db.sessionmaker)
        # At the commit: the audit chain last, so its lock is held briefly; on PostgreSQL the
        # NOTIFYs ride on the statement that takes that lock (one round trip less).
        pending.install(
            db.sessionmaker,
            before_commit=[audit.write_queued_with_events],
            after_commit=[events.install_local_delivery(db.events)] if db.is_sqlite else [],
        )
        db.hooks_installed = True
    return db


def open_database(settings: Settings) -> Database:
    return install_hooks(Database(settings.database_url))


# Container allocations between two young-generation collections (CPython's default: 700).
YOUNG_GENERATION = 20_000


def settle_heap() -> None:
    """Move everything alive now out of the garbage collector's view (call once, after start),
    and let the collector run less often.

    What exists after start (modules, the app, compiled templates and statements, a
    benchmark's registry) lives as long as the process. A full collection walks every tracked
    object; big requests (a board build makes tens of thousands of objects) trigger one every
    few builds, and walking the start-up heap made those pauses 40-50 ms: the board's p95
    (docs/performance-log.md, issue 4). Frozen objects are skipped by every collection.

    With 700 allocations per young collection, a process with 500 open boards at 20 reports/s
    collected about 75 times in 30 s, at 2-3 ms each: every collection walks the big lists and
    dicts a report's board refresh has just copied. Its middle and full collections (one full
    one of 0.24-0.34 s, a pause of the event loop) followed from those. Together about a tenth
    of the app's CPU (bench.board_fanout with gc.callbacks; docs/performance-log.md,
    2026-12-05). After 20,000 allocations most of those copies are freed already, by their
    reference counts, before a collection ever walks them.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, 10, 10)
