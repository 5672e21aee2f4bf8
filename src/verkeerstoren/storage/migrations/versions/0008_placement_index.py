"""placement: index unit_bed_type and bed_state by bed type (options read one or two)

Revision ID: 0008_placement_index
Revises: 0007_audit_chains
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_placement_index"
down_revision: str | None = "0007_audit_chains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_unit_bed_type_bed_type", "unit_bed_type", ["bed_type_code", "unit_id"])
    op.create_index("ix_bed_state_bed_type", "bed_state", ["bed_type_code", "unit_id"])


def downgrade() -> None:
    op.drop_index("ix_bed_state_bed_type", table_name="bed_state")
    op.drop_index("ix_unit_bed_type_bed_type", table_name="unit_bed_type")
