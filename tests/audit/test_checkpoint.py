"""The log cannot lose its tail unnoticed: TRUNCATE is refused, and signed checkpoints of the
chain heads, kept outside the table, show deleted or rewritten newest entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.audit.test_audit import _drop_guards
from tests.conftest import is_postgres
from verkeerstoren.audit import checkpoint, service
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.settings import Settings
from verkeerstoren.storage.base import utcnow


@pytest.fixture
def key(settings: Settings) -> bytes:
    return checkpoint.signing_key(settings)


def _newest(session: Session, n: int) -> list[int]:
    return list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(n)))


@pytest.mark.skipif(not is_postgres(), reason="SQLite has no TRUNCATE")
def test_postgresql_refuses_to_truncate_the_log(session: Session) -> None:
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("TRUNCATE audit_entry"))


def test_the_database_refuses_to_delete_every_row(session: Session) -> None:
    # SQLite's truncate optimisation would skip row triggers; it is off for a table with any.
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM audit_entry"))


def test_an_untouched_log_matches_its_checkpoint(session: Session, key: bytes) -> None:
    taken = checkpoint.take(session)
    line = checkpoint.to_line(taken, key)
    result = service.verify(session, checkpoint.anchors([checkpoint.parse_line(line, key)]))
    assert result.ok, result.problem
    assert result.checked == taken.entries > 100


def test_deleting_the_newest_entries_is_caught_by_the_checkpoint(session: Session) -> None:
    before = checkpoint.take(session)
    _drop_guards(session)
    newest = ",".join(str(i) for i in _newest(session, 3))
    session.execute(text(f"DELETE FROM audit_entry WHERE id IN ({newest})"))
    session.expire_all()
    assert service.verify(session).ok  # the chain alone cannot tell: the reason for checkpoints
    result = service.verify(session, checkpoint.anchors([before]))
    assert not result.ok
    assert result.problem is not None
    assert "newest entries were deleted" in result.problem


def test_emptying_the_table_is_caught_by_the_checkpoint(session: Session) -> None:
    before = checkpoint.take(session)
    _drop_guards(session)
    if is_postgres():
        session.execute(text("DROP TRIGGER audit_entry_no_truncate ON audit_entry"))
        session.execute(text("TRUNCATE audit_entry"))
    else:
        session.execute(text("DELETE FROM audit_entry"))
    session.expire_all()
    assert service.verify(session).ok
    assert service.verify(session).checked == 0
    result = service.verify(session, checkpoint.anchors([before]))
    assert not result.ok
    assert result.problem is not None
    assert "newest entries were deleted" in result.problem


def test_a_rewritten_tail_of_the_same_length_is_caught(session: Session) -> None:
    before = checkpoint.take(session)
    _drop_guards(session)
    newest = _newest(session, 1)[0]
    chain = session.scalar(select(AuditEntry.chain).where(AuditEntry.id == newest))
    session.execute(text(f"DELETE FROM audit_entry WHERE id = {newest}"))
    session.expire_all()
    # A forged replacement, properly chained onto the shortened chain: the chain checks out.
    prev = session.scalar(select(AuditEntry.hash).where(AuditEntry.chain == chain)
                          .order_by(AuditEntry.id.desc()).limit(1)) or service.GENESIS
    fields = {"action": "read", "entity": "nothing", "entity_id": None, "actor_label": "nobody",
              "actor_user_id": None, "actor_token_id": None, "organisation_id": None,
              "ip": None, "detail": "{}"}
    at = utcnow()
    session.execute(insert(AuditEntry).values(
        **fields, at=at, chain=chain, prev_hash=prev,
        hash=service._digest(prev, at, fields)))
    assert service.verify(session).ok
    result = service.verify(session, checkpoint.anchors([before]))
    assert not result.ok
    assert result.problem is not None
    assert "rewritten" in result.problem


def test_a_changed_checkpoint_fails_its_signature(session: Session, key: bytes,
                                                  tmp_path: Path) -> None:
    line = checkpoint.to_line(checkpoint.take(session), key)
    fewer = line.replace('"entries":', '"entries":1', 1)
    with pytest.raises(checkpoint.CheckpointError, match="signature"):
        checkpoint.parse_line(fewer, key)
    with pytest.raises(checkpoint.CheckpointError, match="signature"):
        checkpoint.parse_line(line, checkpoint.signing_key(Settings(secret_key="x" * 40)))
    path = tmp_path / "checkpoints.jsonl"
    path.write_text(f"{line}\n{fewer}\n", encoding="utf-8")
    with pytest.raises(checkpoint.CheckpointError, match="line 2"):
        checkpoint.read_file(path, key)


def test_two_signed_checkpoints_that_disagree_show_a_rewrite(session: Session) -> None:
    taken = checkpoint.take(session)
    chain, (count, _head) = next(iter(taken.chains.items()))
    other = checkpoint.Checkpoint(taken.at, {chain: (count, "0" * 64)})
    with pytest.raises(checkpoint.CheckpointError, match="rewritten"):
        checkpoint.anchors([taken, other])
