"""The audit log table; rows are only ever inserted (database triggers refuse the rest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from verkeerstoren.storage.base import Base, UTCDateTime


class AuditEntry(Base):
    """One event: who did what to which record, when and from where, chained by hash."""

    __tablename__ = "audit_entry"
    # The head of each chain is its newest row: found through this index, not a table scan.
    __table_args__ = (Index("ix_audit_entry_chain_id", "chain", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    actor_label: Mapped[str] = mapped_column(String(254))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_token_id: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    # Which of the parallel chains this row extends (see audit.service: CHAINS); prev_hash is
    # the hash of the previous row of the same chain.
    chain: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
