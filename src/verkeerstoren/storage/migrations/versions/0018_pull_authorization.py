"""A pull source may send an Authorization header (federation with another tower's /fhir).

Revision ID: 0018_pull_authorization
Revises: 0017_kpi_sources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0018_pull_authorization"
down_revision: str | None = "0017_kpi_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pull_source") as batch:
        batch.add_column(sa.Column("auth_header", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pull_source") as batch:
        batch.drop_column("auth_header")
