"""placement: year of birth, sex and the referrer's name may follow after the request is made

Only what matching needs is required up front (bed type, postcode area, start); the coordinator
completes the rest while the bed is held.

Revision ID: 0015_ux_request_details_later
Revises: 0014_holds_notification_ref
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_ux_request_details_later"
down_revision: str | None = "0014_holds_notification_ref"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("placement_request", schema=None) as batch_op:
        batch_op.alter_column("birth_year", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("sex", existing_type=sa.String(length=1), nullable=True)
        batch_op.alter_column("referrer_name", existing_type=sa.String(length=200),
                              nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("placement_request", schema=None) as batch_op:
        batch_op.alter_column("referrer_name", existing_type=sa.String(length=200),
                              nullable=False)
        batch_op.alter_column("sex", existing_type=sa.String(length=1), nullable=False)
        batch_op.alter_column("birth_year", existing_type=sa.Integer(), nullable=False)
