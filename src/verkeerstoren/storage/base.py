"""Declarative base with a constraint naming convention (Alembic needs stable names)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column info of a column that holds personal data (patient details or free text): the audit
# log records that it changed but not its value, and the retention purge empties it.
PERSONAL: dict[str, object] = {"personal": True}


def is_personal(info: dict[str, object]) -> bool:
    return bool(info.get("personal"))


def is_postgresql(session: Session) -> bool:
    """True on PostgreSQL, False on SQLite (the embedded default)."""
    return session.get_bind().dialect.name == "postgresql"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(kind: type[StrEnum], name: str, length: int = 20) -> Enum:
    """A VARCHAR column for a StrEnum that stores the members' *values*.

    SQLAlchemy stores member names by default; partial indexes and CHECK constraints written
    in SQL ("status IN ('open', 'reserved')") name the values, so the two must agree.
    """
    return Enum(kind, name=name, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamps:
    """Created/updated times, set by the application in UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
