"""placement: personal columns may be emptied by the retention purge (purged_at)

Revision ID: 0016_privacy_retention
Revises: 0015_ux_request_details_later
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from verkeerstoren.storage.base import UTCDateTime

revision: str = "0016_privacy_retention"
down_revision: str | None = "0015_ux_request_details_later"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The patient's details become NULL when a closed request is purged.
_EMPTIED = (
    ("pseudonym", sa.String(length=64)),
    ("birth_year", sa.Integer()),
    ("sex", sa.String(length=1)),
    ("postcode_area", sa.Integer()),
    ("referrer_name", sa.String(length=200)),
)


def upgrade() -> None:
    with op.batch_alter_table("placement_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", UTCDateTime(timezone=True), nullable=True))
        for name, kind in _EMPTIED:
            batch_op.alter_column(name, existing_type=kind, nullable=True)


def downgrade() -> None:
    # A purged request has no patient details left to restore: the downgrade refuses them.
    with op.batch_alter_table("placement_request", schema=None) as batch_op:
        for name, kind in _EMPTIED:
            batch_op.alter_column(name, existing_type=kind, nullable=False)
        batch_op.drop_column("purged_at")
