"""Builds the database handle with the session hooks every entry point needs (web, CLI, tests)."""

from __future__ import annotations

from verkeerstoren.access import scoping
from verkeerstoren.audit import service as audit
from verkeerstoren.settings import Settings
from verkeerstoren.storage import Database
from verkeerstoren.storage.events import install_local_delivery


def install_hooks(db: Database) -> Database:
    """Attach organisation scoping and the audit trail to the session factory (once)."""
    if not db.hooks_installed:
        scoping.install(db.sessionmaker)
        audit.install(db.sessionmaker)
        if db.is_sqlite:
            install_local_delivery(db.sessionmaker, db.events)
        db.hooks_installed = True
    return db


def open_database(settings: Settings) -> Database:
    return install_hooks(Database(settings.database_url))
