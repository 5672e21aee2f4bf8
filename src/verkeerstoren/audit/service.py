"""Appending to and verifying the hash-chained audit log."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, event, inspect, select, text
from sqlalchemy.orm import ColumnProperty, ORMExecuteState, Session, sessionmaker

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.scoping import actor_of
from verkeerstoren.audit import linking
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.storage import events, pending
from verkeerstoren.storage.base import is_personal, is_postgresql, utcnow
from verkeerstoren.tables.cells import safe

GENESIS = linking.GENESIS
# Fields whose values never go into the log, only the fact that they changed.
SECRET_FIELDS = frozenset({"password_hash", "token_hash"})
# Written instead of the value of a personal column (storage.base.PERSONAL); before this mark
# existed, entries held the values (docs/privacy.md, "The audit log").
PERSONAL_MARK = "<personal>"
# PostgreSQL advisory locks (key, chain) serialise appends per chain, so no chain ever forks.
_CHAIN_LOCK_KEY = 7_513  # NEN 7513, the standard this log follows
# Parallel chains on PostgreSQL: more than the writers that commit at the same moment.
CHAINS = 16
_START = "audit_chain_start"
# The first chain whose lock is free, trying start, start+1, … (wrapping); NULL if none is.
# The series is scanned in order and LIMIT 1 stops at the first lock taken, so no other is held.
_TRY_LOCK = text(
    "SELECT (:start + g) % :n FROM generate_series(0, :n - 1) AS g "
    "WHERE pg_try_advisory_xact_lock(:key, (:start + g) % :n) LIMIT 1"
)
# The same, and the transaction's NOTIFYs in the same statement (both scalar subqueries are
# evaluated: the select list needs them). The chain comes first in the row.
_TRY_LOCK_AND_NOTIFY = text(
    "SELECT (SELECT (:start + g) % :n FROM generate_series(0, :n - 1) AS g "
    "WHERE pg_try_advisory_xact_lock(:key, (:start + g) % :n) LIMIT 1), "
    "(SELECT count(pg_notify(:channel, p)) FROM unnest(CAST(:payloads AS text[])) AS p)"
)
_QUEUE = "audit"
# PostgreSQL: the entries' columns as arrays, unnested in their order (WITH ORDINALITY … ORDER
# BY): the ids follow the order of the chain, which ``verify`` and the chain head rely on.
_ARRAY_COLUMNS = (
    ("at", "timestamptz"), ("action", "text"), ("entity", "text"), ("entity_id", "text"),
    ("actor_label", "text"), ("actor_user_id", "integer"), ("actor_token_id", "integer"),
    ("organisation_id", "integer"), ("ip", "text"), ("detail", "text"), ("chain", "smallint"),
    ("prev_hash", "text"), ("hash", "text"),
)
_INSERT_ROWS = text(
    f"INSERT INTO audit_entry ({', '.join(n for n, _ in _ARRAY_COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(n for n, _ in _ARRAY_COLUMNS)} FROM unnest("
    + ", ".join(f"CAST(:{n} AS {t}[])" for n, t in _ARRAY_COLUMNS)
    + f") WITH ORDINALITY AS rows({', '.join(n for n, _ in _ARRAY_COLUMNS)}, position) "
    "ORDER BY position"
)
_HELD = "audit_chain"
# The chain's newest hash; built once (it runs at every commit that writes to the log).
_HEAD = (select(AuditEntry.hash).where(AuditEntry.chain == bindparam("chain"))
         .order_by(AuditEntry.id.desc()).limit(1))


def _digest(prev_hash: str, at: datetime, fields: dict[str, Any]) -> str:
    return linking.digest(prev_hash, at.isoformat(), fields)


_chained_fields = linking.chained_fields


def _take_chain(session: Session, notify: list[str]) -> tuple[int, str]:
    """Lock a chain for this transaction and return it with its head (newest hash).

    PostgreSQL: the log is CHAINS parallel hash chains, each with its own advisory lock held
    until the commit, so concurrent writers extend different chains instead of queueing for
    one. One statement tries the locks in turn, starting at a place that differs per
    connection, and takes the first free one; if all are taken it waits for its own. The head
    is read in the next statement, whose snapshot already sees the previous holder's commit.
    SQLite serialises writers anyway (BEGIN IMMEDIATE): one chain, appended to by
    ``linking.append_sqlite`` without this function.

    ``notify``: the transaction's live events (PostgreSQL), sent by the statement that takes
    the lock, so that a commit costs one round trip less; PostgreSQL delivers them at the
    commit either way.
    """
    connection = session.connection()
    chain = 0
    held = pending.buffer(session, _HELD)  # follows the transaction and its savepoints
    if held:
        # This transaction already holds a chain (an earlier write, e.g. before a query of the
        # log): keep extending it; taking a second lock could deadlock with another writer.
        chain = held[0]
    elif is_postgresql(session):
        # Each pooled connection starts at its own random chain, so a handful of writers
        # rarely try the same locks first.
        start = connection.info.setdefault(_START, random.randrange(CHAINS))  # noqa: S311
        params = {"key": _CHAIN_LOCK_KEY, "n": CHAINS, "start": start}
        if notify:
            free = connection.execute(_TRY_LOCK_AND_NOTIFY, {
                **params, "channel": events.CHANNEL, "payloads": notify}).scalar()
            notify = []
        else:
            free = connection.execute(_TRY_LOCK, params).scalar()
        if free is None:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key, :chain)"),
                               {"key": _CHAIN_LOCK_KEY, "chain": start})
            free = start
        chain = int(free)
        held.append(chain)
    if notify:  # the chain was already held: no lock statement to carry them
        events.send_payloads(session, notify)
    last = connection.execute(_HEAD, {"chain": chain}).scalar_one_or_none()
    return chain, last or GENESIS


def append(
    session: Session,
    actor: Actor | None,
    *,
    action: str,
    entity: str,
    entity_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction; it commits or rolls back with the change."""
    append_many(session, actor, [(action, entity, entity_id, detail or {})])


def append_many(
    session: Session,
    actor: Actor | None,
    events: Iterable[tuple[str, str, object, dict[str, Any]]],
) -> None:
    """Queue entries; they are chained and written together just before the commit."""
    at = utcnow()
    entries = pending.buffer(session, _QUEUE)
    for action, entity, entity_id, detail in events:
        entries.append({
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "actor_label": actor.label if actor else "system",
            "actor_user_id": actor.user_id if actor else None,
            "actor_token_id": actor.token_id if actor else None,
            "organisation_id": actor.organisation_id if actor else None,
            "ip": actor.ip if actor else None,
            "detail": json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False),
            "at": at,
        })
    if pending.sealed(session):  # queued after the commit-time write: write it now
        write_queued(session)


def session_has_queue(session: Session) -> bool:
    # Asked before every ORM statement (_autoflush_log): must not create the queue.
    return pending.has(session, _QUEUE)


def write_queued(session: Session) -> None:
    """Chain the transaction's queued entries onto the log head and insert them in one statement.

    Called just before the commit (``storage.pending``), so on PostgreSQL the chain lock is held
    only for these two statements and the commit itself. Also callable earlier, to make the
    entries visible inside the transaction.
    """
    _write(session, [])


def write_queued_with_events(session: Session) -> None:
    """At the commit: the audit entries as ``write_queued``, and on PostgreSQL the live events
    of ``storage.events`` sent by the statement that takes the chain lock (one round trip less
    than ``events.send_queued`` before it; without audit entries that one sends them)."""
    if is_postgresql(session) and pending.has(session, _QUEUE):
        _write(session, events.take_payloads(session))
    else:
        events.send_queued(session)
        _write(session, [])


def _write(session: Session, notify: list[str]) -> None:
    entries = pending.take(session, _QUEUE)
    if not entries:
        return
    if not is_postgresql(session):  # one chain, the head read by the INSERT (linking.py)
        linking.append_sqlite(session.connection(), entries)
        return
    chain, prev = _take_chain(session, notify)
    values = []
    for entry in entries:
        digest = _digest(prev, entry["at"], _chained_fields(entry))
        values.append({**entry, "chain": chain, "prev_hash": prev, "hash": digest})
        prev = digest
    # One statement with one array per column: one round trip (psycopg pipelines an
    # executemany, which costs a second), compiled once (a multi-row VALUES is compiled anew
    # for every row count and cost more CPU than it saved).
    session.connection().execute(_INSERT_ROWS, {name: [v[name] for v in values]
                                                for name, _ in _ARRAY_COLUMNS})


def record_read(
    session: Session, actor: Actor, *, entity: str, entity_id: object, purpose: str = ""
) -> None:
    """Log a read of patient-related data (NEN 7513 asks for reads, not only writes)."""
    append(session, actor, action="read", entity=entity, entity_id=entity_id,
           detail={"purpose": purpose} if purpose else None)


def record_list_read(session: Session, actor: Actor, *, entity: str, ids: Iterable[object],
                     purpose: str) -> None:
    """Log one read of a list of patient-related records, naming every record shown; an empty
    list showed nobody's data and is not logged."""
    shown = [str(i) for i in ids]
    if shown:
        append(session, actor, action="read", entity=entity,
               detail={"ids": shown, "purpose": purpose})


def _hidden(attr: ColumnProperty[Any]) -> str | None:
    """What the log writes instead of the value: secrets and personal data are never logged,
    so the hash-chained log, which can never be changed, holds nothing the retention purge
    would have to remove (only that the field was set or changed, and the row's id)."""
    if attr.key in SECRET_FIELDS:
        return "***"
    if any(is_personal(column.info) for column in attr.columns):
        return PERSONAL_MARK
    return None


def _describe(obj: object, action: str) -> tuple[str, str, object, dict[str, Any]]:
    state = inspect(obj)
    mapper = state.mapper
    entity = mapper.local_table.name
    identity = state.identity
    entity_id: object = identity[0] if identity and len(identity) == 1 else identity
    detail: dict[str, Any] = {}
    if action == "update":
        changes: dict[str, Any] = {}
        for attr in mapper.column_attrs:
            history = state.attrs[attr.key].history
            if history.has_changes():
                if (mark := _hidden(attr)) is not None:
                    changes[attr.key] = mark
                elif attr.key != "updated_at":
                    old = history.deleted[0] if history.deleted else None
                    new = history.added[0] if history.added else None
                    changes[attr.key] = [old, new]
        detail["changes"] = changes
    elif action == "create":
        values: dict[str, Any] = {}
        for attr in mapper.column_attrs:
            if attr.key not in ("created_at", "updated_at"):
                value = getattr(obj, attr.key)
                mark = _hidden(attr)
                values[attr.key] = value if mark is None or value is None else mark
        detail["values"] = values
    return action, entity, entity_id, detail


def creation(obj: object) -> tuple[str, str, object, dict[str, Any]]:
    """The entry the flush hook below writes for a new row, for a row inserted without the
    ORM: ``obj`` is built with the values written (its id included) and not yet in a session,
    so the entry is the same, byte for byte, as the flush hook's."""
    return _describe(obj, "create")


def _reads_log(state: ORMExecuteState) -> bool:
    mappers = state.all_mappers
    if mappers:
        return any(m.class_ is AuditEntry for m in mappers)
    # A select without ORM entities (select(func.count()).select_from(...)): finding its FROMs
    # compiles it, which is why this is only done when there is no mapper to look at.
    froms = getattr(state.statement, "get_final_froms", None)
    return froms is not None and AuditEntry.__table__ in froms()


def install(factory: sessionmaker[Session]) -> None:
    """Log every ORM insert, update and delete of any table in the same transaction."""

    @event.listens_for(factory, "do_orm_execute")
    def _autoflush_log(state: ORMExecuteState) -> None:
        # Like the ORM's autoflush: a query of the log inside the transaction sees the entries
        # still queued for the commit.
        if state.is_select and session_has_queue(state.session) and _reads_log(state):
            write_queued(state.session)

    @event.listens_for(factory, "after_flush")
    def _after_flush(session: Session, _context: object) -> None:
        events: list[tuple[str, str, object, dict[str, Any]]] = []
        for obj in session.new:
            if not isinstance(obj, AuditEntry):
                events.append(_describe(obj, "create"))
        for obj in session.dirty:
            if not isinstance(obj, AuditEntry) and session.is_modified(
                obj, include_collections=False
            ):
                events.append(_describe(obj, "update"))
        for obj in session.deleted:
            events.append(_describe(obj, "delete"))
        if events:
            append_many(session, actor_of(session), events)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of walking the chain: the number of rows checked and the first break, if any."""

    checked: int
    first_bad_id: int | None
    problem: str | None
    head: str

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(session: Session,
           anchors: Mapping[tuple[int, int], tuple[str, datetime]] | None = None) -> VerifyResult:
    """Recompute every hash in id order, chain by chain; a changed, inserted or deleted row
    breaks its chain. A row moved to another chain breaks both (its prev_hash no longer fits).

    ``anchors`` (from signed checkpoints, see audit.checkpoint) name the hash the n-th entry of
    a chain had: a chain shorter than that lost its newest entries, which the chain alone
    cannot show.
    """
    anchors = anchors or {}
    heads: dict[int, str] = {}
    counts: dict[int, int] = {}
    checked = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for row in rows:
        checked += 1
        prev = heads.get(row.chain, GENESIS)
        if row.prev_hash != prev:
            return VerifyResult(checked, row.id, "previous hash does not match: a row "
                                "before this one was deleted or changed", _head(heads))
        entry = {c: getattr(row, c) for c in _chained_fields({})}
        if _digest(prev, row.at, entry) != row.hash:
            return VerifyResult(checked, row.id, "row content does not match its hash",
                                _head(heads))
        heads[row.chain] = row.hash
        counts[row.chain] = position = counts.get(row.chain, 0) + 1
        anchor = anchors.get((row.chain, position))
        if anchor is not None and anchor[0] != row.hash:
            return VerifyResult(checked, row.id, f"differs from the checkpoint of "
                                f"{anchor[1].isoformat()} (entry {position} of chain "
                                f"{row.chain}): the log was rewritten", _head(heads))
    for (chain, position), (_hash, at) in sorted(anchors.items()):
        if counts.get(chain, 0) < position:
            return VerifyResult(checked, None, f"chain {chain} has {counts.get(chain, 0)} "
                                f"entries, the checkpoint of {at.isoformat()} counted "
                                f"{position}: the newest entries were deleted", _head(heads))
    return VerifyResult(checked, None, None, _head(heads))


def _head(heads: dict[int, str]) -> str:
    """One fingerprint of the whole log: the newest hash of a single chain, or a digest of all
    chains' newest hashes. Record it elsewhere; deleting the newest rows of any chain changes it.
    """
    if len(heads) <= 1:
        return next(iter(heads.values()), GENESIS)
    joined = ",".join(f"{chain}:{heads[chain]}" for chain in sorted(heads))
    return hashlib.sha256(joined.encode()).hexdigest()


EXPORT_COLUMNS = (
    "id", "at", "action", "entity", "entity_id", "actor_label", "actor_user_id",
    "actor_token_id", "organisation_id", "ip", "detail", "chain", "prev_hash", "hash",
)


def _exported(row: AuditEntry, column: str) -> object:
    # The time as the screen shows it: the region's local time, with its UTC offset so that
    # the file stays unambiguous across the autumn clock change.
    if column == "at":
        at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
        return at.astimezone(REGION_TZ).isoformat(timespec="seconds")
    return getattr(row, column)


def export_csv(session: Session) -> Iterator[str]:
    """The whole log as CSV text, streamed in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    result = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for index, row in enumerate(result):
        writer.writerow([safe(_exported(row, c)) for c in EXPORT_COLUMNS])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
