"""kpi: an indicator's trajectory shape; a target's rule and reference series

Revision ID: 0010_kpi_trajectory_rules
Revises: 0009_availability_day
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_kpi_trajectory_rules"
down_revision: str | None = "0009_availability_day"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("kpi_indicator", sa.Column("trajectory", sa.String(length=10),
                                             server_default="linear", nullable=False))
    op.add_column("kpi_indicator_target", sa.Column("rule", sa.String(length=20), nullable=True))
    op.add_column("kpi_indicator_target",
                  sa.Column("reference", sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpi_indicator_target") as batch:
        batch.drop_column("reference")
        batch.drop_column("rule")
    with op.batch_alter_table("kpi_indicator") as batch:
        batch.drop_column("trajectory")
