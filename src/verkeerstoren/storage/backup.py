"""Backup and restore of the whole database: `verkeerstoren backup FILE` / `restore FILE`.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while the server keeps running; the backup is itself a SQLite database. PostgreSQL: the
server's own tools, ``pg_dump --format=custom`` (one consistent snapshot, the server keeps
running) and ``pg_restore --clean --single-transaction`` (all or nothing), from the Debian
``postgresql-client`` package (scripts/install-system-packages). A dump of our own through
SQLAlchemy would have to re-create triggers, sequences and partial indexes itself; pg_dump
already does, and every PostgreSQL administrator knows its files. Its major version must be
at least the server's. How a region schedules and keeps backups: docs/operations.md.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from verkeerstoren.storage.db import normalise_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# Pages copied per step of the online backup: between steps the server may write.
_PAGES_PER_STEP = 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Done:
    path: Path
    bytes: int


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_env(url: str) -> dict[str, str]:
    """libpq's environment for the URL: the password never appears on a command line."""
    parsed = make_url(url)
    env = dict(os.environ)
    for key, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                       ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password),
                       ("PGDATABASE", parsed.database)):
        if value is not None:
            env[key] = str(value)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client) of the server's version")
    return found


def _run(command: list[str], url: str) -> None:
    done = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup(url: str, target: Path) -> Done:
    """Write a consistent copy of the database at ``url`` to ``target`` (a new file)."""
    url = normalise_url(url)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.startswith("sqlite"):
            source = sqlite3.connect(_sqlite_path(url))
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy, pages=_PAGES_PER_STEP)
                if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                    raise BackupError("the copy failed SQLite's integrity check")
            finally:
                copy.close()
                source.close()
        else:
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial)],
                 url)
        partial.replace(target)  # a backup file is either complete or absent
    finally:
        partial.unlink(missing_ok=True)
    return Done(target, target.stat().st_size)


def restore(url: str, source: Path) -> Done:
    """Replace the database at ``url`` by the backup ``source``; stop the servers first."""
    url = normalise_url(url)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if url.startswith("sqlite"):
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup (a PostgreSQL dump is restored "
                              "into PostgreSQL)")
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            # The backup API replaces every page of the target in one locked operation.
            backup_db.backup(target, pages=-1)
        finally:
            target.close()
            backup_db.close()
    else:
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format file (a SQLite "
                              "backup is restored into SQLite)")
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
              "--single-transaction", "--exit-on-error", "--dbname",
              _pg_env(url).get("PGDATABASE", ""), str(source)], url)
    return Done(source, source.stat().st_size)
