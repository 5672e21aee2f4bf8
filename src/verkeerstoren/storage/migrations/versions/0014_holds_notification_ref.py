"""notifications: a reference to the reservation a notification is about

Revision ID: 0014_holds_notification_ref
Revises: 0013_reportform_pull_result
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_holds_notification_ref"
down_revision: str | None = "0013_reportform_pull_result"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reservation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_reservation_id_reservation"), "reservation",
            ["reservation_id"], ["id"])
        batch_op.create_index("ix_notification_reservation", ["reservation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_reservation")
        batch_op.drop_constraint(batch_op.f("fk_notification_reservation_id_reservation"),
                                 type_="foreignkey")
        batch_op.drop_column("reservation_id")
