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
# Reports are never updated or deleted by the application (the model says so, and nothing in
# src, bench or tests does it; a unit with reports cannot be deleted either, their foreign key
# has no cascade). Should it happen anyway (a retention job, a hand-made fix), the days such
# rows were on (and, after an UPDATE, are on now) are recomputed from the reports that remain:
# rare and small, so simple beats fast here.
_PG_ROWS_DAYS = "SELECT unit_id, bed_type_code, " + _PG_DAY + " AS day FROM "  # noqa: S608
_PG_TOUCHED = {
    "DELETE": _PG_ROWS_DAYS + "old_rows",
    "UPDATE": _PG_ROWS_DAYS + "old_rows UNION " + _PG_ROWS_DAYS + "new_rows",
}
_PG_REDO = """
CREATE FUNCTION availability_day_redo_{verb}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMPORARY TABLE availability_day_touched ON COMMIT DROP AS {touched};
    DELETE FROM availability_day AS d USING availability_day_touched AS t
    WHERE d.unit_id = t.unit_id AND d.bed_type_code = t.bed_type_code AND d.day = t.day;
    INSERT INTO availability_day ({columns})
    SELECT DISTINCT ON (r.unit_id, r.bed_type_code, t.day)
           r.unit_id, r.bed_type_code, t.day, r.staffed, r.occupied, r.blocked,
           r.reported_at, r.id
    FROM availability_day_touched AS t
    JOIN availability_report AS r
      ON r.unit_id = t.unit_id AND r.bed_type_code = t.bed_type_code
     AND r.reported_at >= t.day::timestamp AT TIME ZONE 'UTC'
     AND r.reported_at < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
    ORDER BY r.unit_id, r.bed_type_code, t.day, r.reported_at DESC, r.id DESC;
    DROP TABLE availability_day_touched;
    RETURN NULL;
END
$$
"""
_PG_REDO_TRIGGER = """
CREATE TRIGGER availability_day_{verb} AFTER {VERB} ON availability_report
REFERENCING {tables}
FOR EACH STATEMENT EXECUTE FUNCTION availability_day_redo_{verb}()
"""
_PG_TABLES = {"DELETE": "OLD TABLE AS old_rows",
              "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
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
# The redo, per changed row. The range on reported_at lets the index find the day: every
# stored form of a time on that day starts with 'YYYY-MM-DD ', which sorts below 'YYYY-MM-DD~'.
_SQLITE_REDO_DAY = """
    DELETE FROM availability_day
    WHERE unit_id = {row}.unit_id AND bed_type_code = {row}.bed_type_code
      AND day = substr({row}.reported_at, 1, 10);
    INSERT INTO availability_day ({columns})
    SELECT unit_id, bed_type_code, substr(reported_at, 1, 10), staffed, occupied, blocked,
           {at}, id
    FROM availability_report
    WHERE unit_id = {row}.unit_id AND bed_type_code = {row}.bed_type_code
      AND reported_at >= substr({row}.reported_at, 1, 10)
      AND reported_at < substr({row}.reported_at, 1, 10) || '~'
    ORDER BY {at} DESC, id DESC
    LIMIT 1;
"""
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
        sqlite_with_rowid=False,
    )
    # Trigger first, backfill second: on PostgreSQL CREATE TRIGGER locks out inserts into
    # availability_report until this migration commits, so no report falls between the two.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
        for verb, touched in _PG_TOUCHED.items():
            op.execute(_PG_REDO.format(verb=verb.lower(), touched=touched, columns=_COLUMNS))
            op.execute(_PG_REDO_TRIGGER.format(verb=verb.lower(), VERB=verb,
                                               tables=_PG_TABLES[verb]))
        op.execute(_PG_BACKFILL)
    else:
        op.execute(_SQLITE_TRIGGER)
        for verb, rows in (("DELETE", ("OLD",)), ("UPDATE", ("OLD", "NEW"))):
            body = "".join(_SQLITE_REDO_DAY.format(
                row=row, columns=_COLUMNS, at=_SQLITE_AT.format(c="reported_at"))
                for row in rows)
            op.execute(f"CREATE TRIGGER availability_day_{verb.lower()} AFTER {verb} "
                       f"ON availability_report BEGIN {body} END")
        op.execute(_SQLITE_BACKFILL)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for verb in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER availability_day_{verb}"
                   + (" ON availability_report" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION availability_day_roll()")
        op.execute("DROP FUNCTION availability_day_redo_delete()")
        op.execute("DROP FUNCTION availability_day_redo_update()")
    op.drop_table("availability_day")
