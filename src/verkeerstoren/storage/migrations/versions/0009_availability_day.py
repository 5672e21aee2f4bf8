"""capacity: availability_day, each unit's last report per UTC day, kept by triggers

Revision ID: 0009_availability_day
Revises: 0008_placement_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import verkeerstoren.storage.base

revision: str = "0009_availability_day"
down_revision: str | None = "0008_placement_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "unit_id, bed_type_code, day, staffed, occupied, blocked, reported_at, report_id"

# A newer report (by reported_at, then id: the order capacity/history.py breaks ties in)
# replaces the day's row; an older one arriving later (a back-dated import) leaves it alone.
_UPSERT = """
    ON CONFLICT (unit_id, bed_type_code, day) DO UPDATE SET
        staffed = excluded.staffed, occupied = excluded.occupied, blocked = excluded.blocked,
        reported_at = excluded.reported_at, report_id = excluded.report_id
    WHERE (excluded.reported_at, excluded.report_id)
          > (availability_day.reported_at, availability_day.report_id)
"""

# PostgreSQL: one statement per INSERT statement, over its transition table. A bulk import
# writes 10,000 reports in one statement (COPY included: it fires triggers too); a row-level
# trigger would run 10,000 upserts. DISTINCT ON keeps each key's last report of the batch,
# and sorting by key makes concurrent imports lock their rows in the same order.
_PG_DAY = "(reported_at AT TIME ZONE 'UTC')::date"
_PG_FUNCTION = f"""
CREATE FUNCTION availability_day_roll() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO availability_day ({_COLUMNS})
    SELECT DISTINCT ON (unit_id, bed_type_code, {_PG_DAY})
           unit_id, bed_type_code, {_PG_DAY}, staffed, occupied, blocked, reported_at, id
    FROM new_rows
    ORDER BY unit_id, bed_type_code, {_PG_DAY}, reported_at DESC, id DESC
    {_UPSERT};
    RETURN NULL;
END
$$
"""  # noqa: S608 - this module's constants only
_PG_TRIGGER = """
CREATE TRIGGER availability_day_insert AFTER INSERT ON availability_report
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION availability_day_roll()
"""
_PG_BACKFILL = f"""
INSERT INTO availability_day ({_COLUMNS})
SELECT DISTINCT ON (unit_id, bed_type_code, {_PG_DAY})
       unit_id, bed_type_code, {_PG_DAY}, staffed, occupied, blocked, reported_at, id
FROM availability_report
ORDER BY unit_id, bed_type_code, {_PG_DAY}, reported_at DESC, id DESC
"""  # noqa: S608 - this module's constants only

# SQLite has no statement-level triggers: one upsert per report. The UTC datetimes are text
# there, in two forms: SQLAlchemy's own 'YYYY-MM-DD HH:MM:SS.ffffff' (ORM and Core inserts) and
# the sqlite3 driver's 'YYYY-MM-DD HH:MM:SS[.ffffff]+00:00' (the executemany of
# capacity/states.py; no fraction at a whole second). The first ten characters are the UTC day
# either way (stored as a Date is); for "last" both are brought to the first form, in which
# text order is time order and an equal time falls to the id.
_SQLITE_AT = ("CASE WHEN substr({c}, 20, 1) = '.' THEN substr({c}, 1, 26) "
              "ELSE substr({c}, 1, 19) || '.000000' END")
_NEW_AT = _SQLITE_AT.format(c="NEW.reported_at")
_SQLITE_TRIGGER = f"""
CREATE TRIGGER availability_day_insert AFTER INSERT ON availability_report
BEGIN
    INSERT INTO availability_day ({_COLUMNS})
    VALUES (NEW.unit_id, NEW.bed_type_code, substr(NEW.reported_at, 1, 10), NEW.staffed,
            NEW.occupied, NEW.blocked, {_NEW_AT}, NEW.id)
    {_UPSERT};
END
"""  # noqa: S608 - this module's constants only
_SQLITE_BACKFILL = f"""
INSERT INTO availability_day ({_COLUMNS})
SELECT unit_id, bed_type_code, day, staffed, occupied, blocked, at, id
FROM (SELECT *, row_number() OVER (PARTITION BY unit_id, bed_type_code, day
                                   ORDER BY at DESC, id DESC) AS n
      FROM (SELECT unit_id, bed_type_code, substr(reported_at, 1, 10) AS day, staffed,
                   occupied, blocked, {_SQLITE_AT.format(c="reported_at")} AS at, id
            FROM availability_report))
WHERE n = 1
"""  # noqa: S608 - this module's constants only


def upgrade() -> None:
    op.create_table(
        "availability_day",
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bed_type_code", sa.String(length=30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("staffed", sa.Integer(), nullable=False),
        sa.Column("occupied", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("reported_at", verkeerstoren.storage.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "bed_type_code", "day",
                                name=op.f("pk_availability_day")),
    )
    # Trigger first, backfill second: on PostgreSQL CREATE TRIGGER locks out inserts into
    # availability_report until this migration commits, so no report falls between the two.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
        op.execute(_PG_BACKFILL)
    else:
        op.execute(_SQLITE_TRIGGER)
        op.execute(_SQLITE_BACKFILL)


def downgrade() -> None:
    op.execute("DROP TRIGGER availability_day_insert"
               + (" ON availability_report" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION availability_day_roll()")
    op.drop_table("availability_day")
