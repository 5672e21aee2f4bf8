"""Signed checkpoints of the audit log: every chain's entry count and newest hash, kept outside
the table, so that deleting the newest rows (which leaves a valid, shorter chain) is caught.

A checkpoint is one JSON line, signed with HMAC-SHA256 under a key derived from the
``audit_checkpoint_key`` setting, or from ``secret_key`` when that is empty. The server appends
one to a file every few minutes (:mod:`verkeerstoren.audit.anchoring`); ``verkeerstoren audit
verify --since-checkpoint FILE`` checks the log against every checkpoint in a file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.settings import Settings
from verkeerstoren.storage.base import utcnow

KIND = "verkeerstoren.audit.checkpoint"
VERSION = 1
# Domain separation: the checkpoint key never equals the key that signs session cookies.
_KEY_LABEL = b"verkeerstoren audit checkpoint v1"


class CheckpointError(ValueError):
    """A checkpoint file or line that cannot be trusted (malformed or wrongly signed)."""


def signing_key(settings: Settings) -> bytes:
    """The HMAC key for checkpoints: derived from audit_checkpoint_key, else from secret_key."""
    secret = settings.audit_checkpoint_key or settings.secret_key
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class Checkpoint:
    """The log at one moment: per chain, how many entries it had and the newest one's hash."""

    at: datetime
    chains: dict[int, tuple[int, str]]

    @property
    def entries(self) -> int:
        return sum(count for count, _head in self.chains.values())


def take(session: Session) -> Checkpoint:
    """Read every chain's count and head.

    Count and newest id come from one statement, so one snapshot: within a chain the ids grow
    in commit order (appends to a chain are serialised), so the visible rows of a chain are
    always a prefix of it and the newest of them is the count-th.
    """
    at = utcnow()
    rows = session.execute(
        select(AuditEntry.chain, func.count(), func.max(AuditEntry.id)).group_by(AuditEntry.chain)
    ).all()
    newest = select(AuditEntry.id, AuditEntry.hash).where(AuditEntry.id.in_([r[2] for r in rows]))
    hashes = {row_id: digest for row_id, digest in session.execute(newest)} if rows else {}
    return Checkpoint(at, {int(chain): (int(count), hashes[newest])
                           for chain, count, newest in rows})


def _body(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "kind": KIND,
        "version": VERSION,
        "at": checkpoint.at.isoformat(),
        "entries": checkpoint.entries,
        "chains": [[chain, count, head]
                   for chain, (count, head) in sorted(checkpoint.chains.items())],
    }


def _signature(key: bytes, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def to_line(checkpoint: Checkpoint, key: bytes) -> str:
    """The signed checkpoint as one line of JSON (without the newline)."""
    body = _body(checkpoint)
    return json.dumps({**body, "sig": _signature(key, body)}, separators=(",", ":"))


def parse_line(text: str, key: bytes) -> Checkpoint:
    """Read one signed line; CheckpointError when it is malformed or its signature differs."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise CheckpointError("not an audit checkpoint")
    signature = data.pop("sig", None)
    if not isinstance(signature, str) or not hmac.compare_digest(
            signature, _signature(key, data)):
        raise CheckpointError("the signature does not match (changed, or signed with "
                              "another key)")
    try:
        chains = {int(chain): (int(count), str(head)) for chain, count, head in data["chains"]}
        return Checkpoint(datetime.fromisoformat(data["at"]), chains)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"signed but not readable ({exc})") from None


def read_file(path: Path, key: bytes) -> list[Checkpoint]:
    """Every checkpoint in a file; CheckpointError naming the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CheckpointError(f"{path}: {exc.strerror or exc}") from None
    found = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                found.append(parse_line(line, key))
            except CheckpointError as exc:
                raise CheckpointError(f"{path} line {number}: {exc}") from None
    if not found:
        raise CheckpointError(f"{path}: no checkpoints in it")
    return found


def anchors(checkpoints: Iterable[Checkpoint]) -> dict[tuple[int, int], tuple[str, datetime]]:
    """(chain, position) -> (hash the entry at that position must have, checkpoint time)."""
    found: dict[tuple[int, int], tuple[str, datetime]] = {}
    for checkpoint in checkpoints:
        for chain, (count, head) in checkpoint.chains.items():
            earlier = found.setdefault((chain, count), (head, checkpoint.at))
            if earlier[0] != head:
                # Both are signed, so the log was rewritten between the two.
                raise CheckpointError(
                    f"the checkpoints of {earlier[1].isoformat()} and "
                    f"{checkpoint.at.isoformat()} disagree on entry {count} of chain {chain}: "
                    "the log was rewritten in between")
    return found
