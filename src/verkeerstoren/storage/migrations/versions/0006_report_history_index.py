"""capacity: the report history index also covers staffed, occupied and blocked

Revision ID: 0006_report_history_index
Revises: 0005_notifications
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_report_history_index"
down_revision: str | None = "0005_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_availability_report_unit_type_time"
_KEY = ["unit_id", "bed_type_code", "reported_at"]


def upgrade() -> None:
    # Same name and leading columns: every query that used the old index can use this one;
    # the region history chart reads its figures from the index alone.
    with op.batch_alter_table("availability_report", schema=None) as batch_op:
        batch_op.drop_index(_NAME)
        batch_op.create_index(_NAME, [*_KEY, "staffed", "occupied", "blocked"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("availability_report", schema=None) as batch_op:
        batch_op.drop_index(_NAME)
        batch_op.create_index(_NAME, _KEY, unique=False)
