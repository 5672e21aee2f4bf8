"""kpi: an indicator bound to a source; the region the goal tree is judged on

Revision ID: 0017_kpi_sources
Revises: 0016_privacy_retention
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_kpi_sources"
down_revision: str | None = "0016_privacy_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("kpi_indicator", sa.Column("source_kind", sa.String(length=20), nullable=True))
    op.add_column("kpi_indicator", sa.Column("source_params", sa.JSON(), nullable=True))
    with op.batch_alter_table("kpi_goal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_kpi_goal_region_id_region"), "region",
                                    ["region_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("kpi_goal", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_kpi_goal_region_id_region"), type_="foreignkey")
        batch_op.drop_column("region_id")
    with op.batch_alter_table("kpi_indicator", schema=None) as batch_op:
        batch_op.drop_column("source_params")
        batch_op.drop_column("source_kind")
