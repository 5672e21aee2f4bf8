"""Backup and restore round trip (issue 18 item 8), on the database the suite runs on.

A demo region is built into a database of its own, copied with `verkeerstoren backup`, then
changed (a new organisation, a placement request, audit entries); `verkeerstoren restore` must
bring back every row of every table exactly as it was in the backup, with an audit chain that
verifies, and a database the app can write to again (sequences restored on PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import _create_database, is_postgres
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.audit import service as audit
from verkeerstoren.cli import main
from verkeerstoren.demo.builder import build_demo
from verkeerstoren.registry.models import Organisation
from verkeerstoren.runtime import install_hooks
from verkeerstoren.storage import Database, migrate


def _snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the migrations' own table too), in primary-key order."""
    metadata = MetaData()
    metadata.reflect(db.engine)
    rows = {}
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return rows


def _verify(db: Database) -> audit.VerifyResult:
    with db.session() as session:
        return audit.verify(session)


def _change(db: Database, name: str) -> None:
    with db.session() as session:
        bind_actor(session, system_actor("backup test"))
        session.add(Organisation(name=name, kind="provider"))


def _cli(url: str, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"VERKEERSTOREN_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.output


def test_backup_and_restore_give_back_every_row_and_a_verifying_audit_chain(
        tmp_path: Path) -> None:
    url, drop = _create_database(tmp_path, "backup")
    try:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        with db.session() as session:
            bind_actor(session, system_actor("backup test"))
            build_demo(session, None)  # the small built-in region: every kind of row
        before = _snapshot(db)
        head = _verify(db)
        assert head.ok
        db.dispose()

        file = tmp_path / ("region.dump" if is_postgres() else "region.db")
        print(_cli(url, "backup", str(file)).strip())
        with pytest.raises(AssertionError, match="exists already"):
            _cli(url, "backup", str(file))  # never overwrites an earlier backup

        _change(db, "Na de back-up toegevoegd")
        assert _snapshot(db) != before
        db.dispose()

        print(_cli(url, "restore", "--yes", str(file)).strip())
        after = _snapshot(db)
        assert after.keys() == before.keys()
        for table in before:
            assert after[table] == before[table], table
        restored = _verify(db)
        assert restored.ok, restored.problem
        assert (restored.checked, restored.head) == (head.checked, head.head)

        with pytest.raises(DBAPIError), db.engine.begin() as conn:  # the guards came back too
            conn.execute(text("DELETE FROM audit_entry WHERE id = (SELECT MIN(id) FROM "
                              "audit_entry)"))
        _change(db, "Na het herstel toegevoegd")  # ids and the audit chain continue
        assert _verify(db).ok
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Organisation).where(
                Organisation.name == "Na het herstel toegevoegd")) == 1
        print(f"round trip: {len(before)} tables, {sum(map(len, before.values()))} rows, "
              f"{head.checked} audit entries, backup {file.stat().st_size} bytes")
        db.dispose()
    finally:
        drop()


def test_restore_refuses_a_file_of_the_other_database_kind(tmp_path: Path) -> None:
    other = tmp_path / "wrong.bin"
    other.write_bytes(b"SQLite format 3\x00" if is_postgres() else b"PGDMP")
    url = ("postgresql://postgres@127.0.0.1:5432/none" if is_postgres()
           else f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(main, ["restore", "--yes", str(other)],
                                env={"VERKEERSTOREN_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "is not a" in result.output

