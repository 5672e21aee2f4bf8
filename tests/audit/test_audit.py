"""The audit log: every write is logged in the same transaction and the chain detects tampering."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.audit import service
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.registry.models import Organisation, OrganisationKind


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_a_write_is_logged_with_who_and_what(session: Session) -> None:
    before = _count(session)
    session.add(Organisation(name="Huisartsenpraktijk Test", kind=OrganisationKind.GP_PRACTICE))
    session.flush()
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert _count(session) == before + 1
    assert (entry.action, entry.entity, entry.actor_label) == ("create", "organisation", "test")
    assert "Huisartsenpraktijk Test" in entry.detail


def test_the_demo_chain_verifies(session: Session) -> None:
    result = service.verify(session)
    assert result.ok, result.problem
    assert result.checked > 100


def test_the_database_refuses_to_change_an_audit_row(session: Session) -> None:
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("UPDATE audit_entry SET actor_label = 'someone else'"))


def _drop_guards(session: Session) -> None:
    # An attacker with database rights can drop the triggers; the hash chain must still tell.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))
    else:
        session.execute(text("DROP TRIGGER audit_entry_no_update"))
        session.execute(text("DROP TRIGGER audit_entry_no_delete"))


def test_verify_detects_a_changed_row(session: Session) -> None:
    _drop_guards(session)
    target = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id).offset(5)).first()
    session.execute(text("UPDATE audit_entry SET detail = '{}' WHERE id = :id"), {"id": target})
    session.expire_all()
    result = service.verify(session)
    assert not result.ok
    assert result.first_bad_id == target


def test_verify_detects_a_deleted_row(session: Session) -> None:
    _drop_guards(session)
    target = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id).offset(7)).first()
    assert target is not None
    session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": target})
    session.expire_all()
    result = service.verify(session)
    assert not result.ok
    assert result.first_bad_id is not None
    assert result.first_bad_id > target


def test_the_admin_exports_the_log_as_csv(login: Callable[[str], Browser]) -> None:
    answer = login("admin").get("/api/v1/audit/export.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    header = answer.text.splitlines()[0]
    assert header.startswith("id,at,action,entity,entity_id,actor_label")


def test_a_login_is_audited_with_the_address_it_came_from(
    login: Callable[[str], Browser], session: Session
) -> None:
    login("viewer")
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "login").order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None
    assert entry.actor_label.startswith("viewer@")
    assert entry.ip == "testclient"
