"""Parallel audit chains: a chain number on every audit row.

Revision ID: 0007_audit_chains
Revises: 0006_report_history_index
Create Date: 2026-11-23

Existing rows form chain 0. Plain ALTER TABLE ADD COLUMN (no table rebuild), so SQLite keeps the
triggers that make the table append-only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_audit_chains"
down_revision: str | None = "0006_report_history_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("chain", sa.SmallInteger(), server_default="0",
                                           nullable=False))
    op.create_index("ix_audit_entry_chain_id", "audit_entry", ["chain", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_entry_chain_id", table_name="audit_entry")
    op.drop_column("audit_entry", "chain")
