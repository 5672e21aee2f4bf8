"""Engines, sessions, transactions, migrations: the one place that tells SQLite from PostgreSQL."""

from verkeerstoren.storage.base import Base
from verkeerstoren.storage.db import Database

__all__ = ["Base", "Database"]
