"""Linking entries into a hash chain: the digest, and SQLite's one-statement append.

Every entry's hash covers the previous entry's hash (``prev``), its time and its fields, so a
changed, inserted or deleted entry breaks the chain (``service.verify``).

On SQLite, where writers are serialised (BEGIN IMMEDIATE) and the log is one chain, each
entry is appended by one INSERT that reads the chain's head itself and has SQLite call the
same Python digest (registered on the connection as ``vt_audit_digest``): reading the head
first cost a statement of its own on every commit that writes to the log. The entries go as
one ``executemany``, in order, so each row's subquery finds the row before it as the head.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, bindparam, text

from verkeerstoren.storage.base import UTCDateTime

GENESIS = "0" * 64
CHAINED = ("action", "entity", "entity_id", "actor_label", "actor_user_id", "actor_token_id",
           "organisation_id", "ip", "detail")


def digest(prev_hash: str, at_iso: str, fields: dict[str, Any]) -> str:
    """The hash of one entry: its previous entry's hash, its time (ISO) and its fields."""
    payload = json.dumps(
        {"prev": prev_hash, "at": at_iso, **fields},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def chained_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """The fields of an entry that its hash covers."""
    return {key: entry.get(key) for key in CHAINED}


def _sqlite_digest(prev_hash: str, at_iso: str, *fields: Any) -> str:
    return digest(prev_hash, at_iso, dict(zip(CHAINED, fields, strict=True)))


_FUNCTION = "vt_audit_digest"
_REGISTERED = "vt_audit_digest_registered"
_HEAD = ("(SELECT coalesce((SELECT hash FROM audit_entry WHERE chain = 0 "
         "ORDER BY id DESC LIMIT 1), :genesis) AS hash) AS head")
_FIELDS = ", ".join(f":{name}" for name in CHAINED)
# Built once: the entry's values are parameters (``at_iso`` is the time the digest covers, as
# ``service._digest`` writes it).
_APPEND = text(
    f"INSERT INTO audit_entry (at, {', '.join(CHAINED)}, chain, prev_hash, hash) "  # noqa: S608
    f"SELECT :at, {_FIELDS}, 0, head.hash, {_FUNCTION}(head.hash, :at_iso, {_FIELDS}) "
    f"FROM {_HEAD}"
).bindparams(bindparam("at", type_=UTCDateTime()))


def append_sqlite(connection: Connection, entries: list[dict[str, Any]]) -> None:
    """Append ``entries`` (``service.append_many``'s dicts) to SQLite's one chain, in order,
    in one statement; the caller's transaction holds SQLite's write lock."""
    record = connection.connection
    if not record.info.get(_REGISTERED):  # once per SQLite connection, which the pool keeps
        dbapi = record.dbapi_connection
        assert dbapi is not None
        dbapi.create_function(_FUNCTION, 2 + len(CHAINED), _sqlite_digest, deterministic=True)
        record.info[_REGISTERED] = True
    connection.execute(_APPEND, [
        {**chained_fields(entry), "at": entry["at"], "at_iso": entry["at"].isoformat(),
         "genesis": GENESIS} for entry in entries])
