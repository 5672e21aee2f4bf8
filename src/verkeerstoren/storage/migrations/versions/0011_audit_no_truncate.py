"""audit: PostgreSQL refuses TRUNCATE of audit_entry (a statement trigger)

Revision ID: 0011_audit_no_truncate
Revises: 0010_kpi_trajectory_rules
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_audit_no_truncate"
down_revision: str | None = "0010_kpi_trajectory_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The row triggers of 0001 do not fire on TRUNCATE, which emptied the log silently.
    # SQLite has no TRUNCATE: its "DELETE FROM audit_entry" fires the row trigger of 0001
    # (the truncate optimisation is off for a table with triggers).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_no_truncate ON audit_entry")
