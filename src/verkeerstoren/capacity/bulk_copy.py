"""Large imports on PostgreSQL: COPY the rows into a temporary table, then work set-based.

Profiling a 10,000-row upload (docs/performance-log.md, issue 4) showed half of the time on the
client: psycopg turning 25 Python lists of 10,000 values into array literals for the
``unnest`` statements of :mod:`capacity.states`, the same values sent twice (history and
state), and a 10,000-id round trip for the sequence. Here the rows cross the wire once, in
binary COPY, and the server does the rest:

1. :func:`stage` — one temporary table ``import_rows`` (dropped at commit) filled by COPY;
2. :func:`lookup` — one query returning, per row, its unit's organisation and registered beds
   (None when the unit is unknown or inactive) and the beds held on its current state, with
   those states row-locked in key order (as :func:`states.lookup`) before the caller
   checks ``held``;
3. the caller checks every row in Python (same rules, same messages, row and column);
4. :func:`write` — one statement: the history rows go in (``INSERT … SELECT``, ids from the
   sequence in row order) and become the current states (``INSERT … ON CONFLICT DO UPDATE``).
   The tables' CHECK constraints and foreign keys stay the final guard.

Small batches (the web form, single API reports) keep the ``unnest`` path: a temporary table
costs catalogue work that one row does not earn back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.capacity.states import STATE_UPSERT
from verkeerstoren.errors import Conflict

# From this many rows on, an import on PostgreSQL goes through COPY (tests lower it).
MIN_ROWS = 200

UNITS_CHANGED = ("a unit in this import was changed by someone else while it was saved; "
                 "nothing was saved, try again")

_CREATE = """
    DROP TABLE IF EXISTS pg_temp.import_rows;
    CREATE TEMPORARY TABLE import_rows (
        pos integer PRIMARY KEY,
        unit_id integer NOT NULL,
        bed_type_code varchar(30) NOT NULL,
        physical integer,
        staffed integer NOT NULL,
        occupied integer NOT NULL,
        blocked integer NOT NULL,
        blocked_reason varchar(200),
        expected_free_date date,
        remark varchar(500)
    ) ON COMMIT DROP
"""
_COPY = ("COPY import_rows (pos, unit_id, bed_type_code, physical, staffed, occupied, blocked, "
         "blocked_reason, expected_free_date, remark) FROM STDIN (FORMAT BINARY)")
_TYPES = ("int4", "int4", "text", "int4", "int4", "int4", "int4", "text", "date", "text")

# MATERIALIZED keeps the locking scan a separate step: every existing state of the upload is
# locked in key order (no deadlock between overlapping uploads) whatever plan the join gets.
_LOOKUP = text("""
    WITH locked AS MATERIALIZED (
        SELECT b.unit_id, b.bed_type_code, b.held
        FROM bed_state AS b
        JOIN import_rows AS r ON b.unit_id = r.unit_id AND b.bed_type_code = r.bed_type_code
        ORDER BY b.unit_id, b.bed_type_code
        FOR UPDATE OF b
    )
    SELECT r.pos, cu.organisation_id, ubt.physical_beds, l.held
    FROM import_rows AS r
    LEFT JOIN (unit_bed_type AS ubt JOIN care_unit AS cu ON cu.id = ubt.unit_id AND cu.active)
      ON ubt.unit_id = r.unit_id AND ubt.bed_type_code = r.bed_type_code
    LEFT JOIN locked AS l ON l.unit_id = r.unit_id AND l.bed_type_code = r.bed_type_code
    ORDER BY r.pos
""")

# Only rows the caller has checked reach this statement (it raises before calling on any
# problem); the inner joins repeat the lookup's conditions, so a unit made inactive in between
# makes the row count differ and the caller refuse the whole import.
_WRITE = text("""
    WITH history AS (
        INSERT INTO availability_report (
            organisation_id, unit_id, bed_type_code, reported_at, physical, staffed, occupied,
            blocked, blocked_reason, expected_free_date, remark, source, reported_by)
        SELECT cu.organisation_id, r.unit_id, r.bed_type_code, :now,
               COALESCE(r.physical, ubt.physical_beds), r.staffed, r.occupied, r.blocked,
               r.blocked_reason, r.expected_free_date, r.remark, :source, :reported_by
        FROM import_rows AS r
        JOIN unit_bed_type AS ubt
          ON ubt.unit_id = r.unit_id AND ubt.bed_type_code = r.bed_type_code
        JOIN care_unit AS cu ON cu.id = ubt.unit_id AND cu.active
        ORDER BY r.pos
        RETURNING id, organisation_id, unit_id, bed_type_code, reported_at, physical, staffed,
                  occupied, blocked, blocked_reason, expected_free_date, remark
    ), current AS (""" + STATE_UPSERT.format(history="history") + """)
    SELECT count(*), min(id), max(id), (SELECT count(*) FROM current) FROM history
""")  # noqa: S608 - only our own CTE name is formatted in


def _driver(session: Session) -> psycopg.Connection[Any]:
    # The session's own connection, so the COPY is part of the caller's transaction.
    return cast("psycopg.Connection[Any]", session.connection().connection.driver_connection)


def stage(session: Session, rows: Sequence[ReportIn]) -> None:
    """Put the rows into ``import_rows`` (position = index in ``rows``) with one COPY."""
    connection = _driver(session)
    with connection.cursor() as cursor:
        cursor.execute(_CREATE)
        with cursor.copy(_COPY) as copy:
            copy.set_types(list(_TYPES))
            for pos, row in enumerate(rows):
                copy.write_row((pos, row.unit_id, row.bed_type_code, row.physical, row.staffed,
                                row.occupied, row.blocked, row.blocked_reason,
                                row.expected_free_date, row.remark))


def lookup(session: Session) -> list[tuple[int | None, int | None, int | None]]:
    """Per staged row, in order: (organisation id, registered beds, held beds).

    The first two are None when the unit has no beds of that type or is inactive; ``held`` is
    None when the unit and bed type have no state yet. Existing states stay locked until
    the transaction ends.
    """
    result = session.connection().execute(_LOOKUP)
    return [(org, physical, held) for _pos, org, physical, held in result]


def write(session: Session, *, now: datetime, source: str, reported_by: str,
          expected: int) -> tuple[int, int]:
    """Insert the staged rows as history and make them the current states; (first, last) id.

    Raises Conflict when fewer rows were written than checked (a unit deactivated by another
    transaction in between); rows were then written, so the transaction must roll back, which
    every caller's does on an exception other than ValidationErrors.
    """
    count, first, last, states = session.connection().execute(_WRITE, {
        "now": now, "source": source, "reported_by": reported_by}).one()
    if count != expected or states != expected:
        raise Conflict(UNITS_CHANGED)
    session.connection().execute(text("DROP TABLE pg_temp.import_rows"))
    return int(first), int(last)
