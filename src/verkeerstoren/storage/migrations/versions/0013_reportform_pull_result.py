"""capacity: a pull source's last result in columns, its problems in pull_problem

The last result was JSON in the text column pull_source.last_message
({"accepted": n, "problems": [{"row", "field", "message", "params"}], "more": n}, or, before
that, a plain message). Existing rows are converted, not dropped: a provider keeps seeing why
the last pull failed.

Revision ID: 0013_reportform_pull_result
Revises: 0012_login_sessions
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013_reportform_pull_result"
down_revision: str | None = "0012_login_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_problem = sa.table(
    "pull_problem", sa.column("source_id", sa.Integer), sa.column("position", sa.Integer),
    sa.column("row", sa.Integer), sa.column("field", sa.String), sa.column("message", sa.Text),
    sa.column("params", sa.JSON))


def _parsed(message: str) -> dict[str, Any]:
    try:
        data = json.loads(message)
    except ValueError:
        data = None
    if not isinstance(data, dict):  # the plain text kept before the JSON record
        return {"accepted": None, "more": 0,
                "problems": [{"row": None, "field": "", "message": message, "params": {}}]}
    return data


def upgrade() -> None:
    op.create_table(
        "pull_problem",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["pull_source.id"],
                                name=op.f("fk_pull_problem_source_id_pull_source"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("source_id", "position", name=op.f("pk_pull_problem")),
    )
    with op.batch_alter_table("pull_source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_accepted", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_more_problems", sa.Integer(), server_default="0",
                                      nullable=False))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, last_ok, last_message FROM pull_source WHERE last_message IS NOT NULL"))
    for source_id, last_ok, message in list(rows):
        data = _parsed(message)
        accepted = data.get("accepted")
        bind.execute(
            sa.text("UPDATE pull_source SET last_accepted = :accepted, "
                    "last_more_problems = :more WHERE id = :id"),
            {"accepted": int(accepted) if last_ok and accepted is not None else None,
             "more": int(data.get("more") or 0), "id": source_id})
        problems = [
            {"source_id": source_id, "position": position, "row": p.get("row"),
             "field": str(p.get("field") or ""), "message": str(p.get("message") or ""),
             "params": {str(k): str(v) for k, v in (p.get("params") or {}).items()}}
            for position, p in enumerate(data.get("problems") or []) if isinstance(p, dict)]
        if problems:
            bind.execute(_problem.insert(), problems)
    with op.batch_alter_table("pull_source", schema=None) as batch_op:
        batch_op.drop_column("last_message")


def downgrade() -> None:
    with op.batch_alter_table("pull_source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_message", sa.Text(), nullable=True))
    bind = op.get_bind()
    sources = list(bind.execute(sa.text(
        "SELECT id, last_accepted, last_more_problems FROM pull_source "
        "WHERE last_run_at IS NOT NULL")))
    for source_id, accepted, more in sources:
        problems = [
            {"row": row, "field": field, "message": message, "params": params}
            for row, field, message, params in bind.execute(
                sa.select(_problem.c.row, _problem.c.field, _problem.c.message,
                          _problem.c.params)
                .where(_problem.c.source_id == source_id).order_by(_problem.c.position))]
        bind.execute(sa.text("UPDATE pull_source SET last_message = :m WHERE id = :id"), {
            "m": json.dumps({"accepted": accepted or 0, "problems": problems, "more": more}),
            "id": source_id})
    with op.batch_alter_table("pull_source", schema=None) as batch_op:
        batch_op.drop_column("last_more_problems")
        batch_op.drop_column("last_accepted")
    op.drop_table("pull_problem")
