"""Reading and writing many bed states at once: the set-based half of :mod:`capacity.service`.

A 10,000-row upload must take seconds, not minutes, so every function here issues a handful of
statements for the whole batch instead of one per row. PostgreSQL gets one statement over
``unnest``-ed arrays (no bound-parameter limit, one round trip); SQLite, in-process and without
round trips, uses executemany. The table's CHECK constraints stay the final guard either way.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import AvailabilityReport, BedState
from verkeerstoren.storage.base import Base, is_postgresql

Key = tuple[int, str]

_t = BedState.__table__.c
_SQLITE_CHUNK = 5000  # unit ids per IN list: well below SQLite's bound-parameter limit

# Row locks in key order, so two concurrent uploads of overlapping units cannot deadlock.
_PG_LOCK_HOLDS = text("""
    SELECT b.unit_id, b.bed_type_code, b.held
    FROM bed_state AS b
    JOIN unnest(CAST(:unit_ids AS integer[]), CAST(:codes AS varchar[])) AS k(unit_id, code)
      ON b.unit_id = k.unit_id AND b.bed_type_code = k.code
    ORDER BY b.unit_id, b.bed_type_code
    FOR UPDATE OF b
""")

_PG_UPDATE = text("""
    UPDATE bed_state AS b SET
        physical = v.physical, staffed = v.staffed, occupied = v.occupied,
        blocked = v.blocked, blocked_reason = v.blocked_reason,
        expected_free_date = v.expected_free_date, remark = v.remark,
        reported_at = v.reported_at, report_id = v.report_id, version = b.version + 1
    FROM unnest(
        CAST(:unit_id AS integer[]), CAST(:bed_type_code AS varchar[]),
        CAST(:physical AS integer[]), CAST(:staffed AS integer[]),
        CAST(:occupied AS integer[]), CAST(:blocked AS integer[]),
        CAST(:blocked_reason AS varchar[]), CAST(:expected_free_date AS date[]),
        CAST(:remark AS varchar[]), CAST(:reported_at AS timestamptz[]),
        CAST(:report_id AS integer[])
    ) AS v(unit_id, bed_type_code, physical, staffed, occupied, blocked, blocked_reason,
           expected_free_date, remark, reported_at, report_id)
    WHERE b.unit_id = v.unit_id AND b.bed_type_code = v.bed_type_code
""")

_PG_NEXT_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('availability_report', 'id')) "
    "FROM generate_series(1, :n)"
)

_PG_INSERT_REPORTS = text("""
    INSERT INTO availability_report (
        id, organisation_id, unit_id, bed_type_code, reported_at, physical, staffed, occupied,
        blocked, blocked_reason, expected_free_date, remark, source, reported_by)
    SELECT * FROM unnest(
        CAST(:id AS integer[]), CAST(:organisation_id AS integer[]),
        CAST(:unit_id AS integer[]), CAST(:bed_type_code AS varchar[]),
        CAST(:reported_at AS timestamptz[]), CAST(:physical AS integer[]),
        CAST(:staffed AS integer[]), CAST(:occupied AS integer[]), CAST(:blocked AS integer[]),
        CAST(:blocked_reason AS varchar[]), CAST(:expected_free_date AS date[]),
        CAST(:remark AS varchar[]), CAST(:source AS varchar[]), CAST(:reported_by AS varchar[]))
""")

_STATE_COLUMNS = (
    "unit_id", "bed_type_code", "physical", "staffed", "occupied", "blocked", "blocked_reason",
    "expected_free_date", "remark", "reported_at", "report_id",
)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def locked_holds(session: Session, keys: Collection[Key]) -> dict[Key, int]:
    """Beds held by reservations per existing state, row-locked on PostgreSQL until commit.

    The lock is taken before the caller checks ``held``, so a reservation cannot slip in
    between the check and the write. SQLite needs no row locks: every write transaction there
    starts with BEGIN IMMEDIATE.
    """
    ordered = sorted(keys)
    if not ordered:
        return {}
    if is_postgresql(session):
        rows = session.connection().execute(_PG_LOCK_HOLDS, {
            "unit_ids": [k[0] for k in ordered], "codes": [k[1] for k in ordered]})
        return {(unit_id, code): held for unit_id, code, held in rows}
    holds: dict[Key, int] = {}
    wanted = set(ordered)
    unit_ids = sorted({k[0] for k in ordered})
    for start in range(0, len(unit_ids), _SQLITE_CHUNK):
        # Plain integers in the IN list: a row-value IN of thousands of pairs costs far more
        # to render and bind; the few other bed types of the same units are dropped here.
        rows = session.connection().execute(
            select(_t.unit_id, _t.bed_type_code, _t.held)
            .where(_t.unit_id.in_(unit_ids[start : start + _SQLITE_CHUNK]))
        )
        holds.update({(u, c): held for u, c, held in rows if (u, c) in wanted})
    return holds


def insert_reports(session: Session, reports: list[dict[str, Any]]) -> list[int]:
    """Insert history rows; returns their ids in the order of ``reports``."""
    table = _table(AvailabilityReport)
    connection = session.connection()
    if is_postgresql(session):
        # Ids first, then one INSERT over unnest-ed arrays: a multi-row VALUES of 10,000 rows
        # spent seconds in the driver's placeholder parsing.
        ids = list(connection.execute(_PG_NEXT_IDS, {"n": len(reports)}).scalars())
        params = {name: [r[name] for r in reports] for name in reports[0]}
        params["source"] = [r["source"].value for r in reports]  # the column stores values
        params["id"] = ids
        connection.execute(_PG_INSERT_REPORTS, params)
        return ids
    # SQLite cannot promise the order of a multi-row RETURNING, so SQLAlchemy would fall back
    # to one INSERT per row. This transaction began with BEGIN IMMEDIATE and holds the only
    # write lock, so numbering the rows ourselves from the current maximum is safe.
    last = connection.execute(select(func.max(table.c.id))).scalar_one_or_none() or 0
    ids = list(range(last + 1, last + 1 + len(reports)))
    _sqlite_executemany(connection, table, [{**r, "id": i}
                                            for r, i in zip(reports, ids, strict=True)])
    return ids


def _sqlite_executemany(
    connection: Connection, table: Table, rows: list[dict[str, Any]],
    where: tuple[str, ...] = (), increment: str | None = None,
) -> None:
    """INSERT (or, given ``where``, UPDATE) many rows through the driver's executemany.

    SQLAlchemy's per-row parameter handling cost more than SQLite's own work for a
    10,000-row upload; the columns' bind processors still convert every value.
    """
    # Table and column names come from our own metadata, never from input.
    columns = [name for name in rows[0] if name not in where]
    dialect = connection.dialect
    # dialect_impl: the processor SQLAlchemy itself binds with. The type's own bind_processor
    # skips the SQLite DATETIME formatting, and the driver then stored "…+00:00" text.
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in (*columns, *where)]
    if where:
        sets = ", ".join([*(f"{c} = ?" for c in columns),
                          *([f"{increment} = {increment} + 1"] if increment else [])])
        keys = " AND ".join(f"{c} = ?" for c in where)
        sql = f"UPDATE {table.name} SET {sets} WHERE {keys}"  # noqa: S608
    else:
        sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608
               f"VALUES ({', '.join('?' for _ in columns)})")
    names = (*columns, *where)
    params = [
        tuple(value if proc is None or value is None else proc(value)
              for proc, value in zip(processors, (row[n] for n in names), strict=True))
        for row in rows
    ]
    connection.exec_driver_sql(sql, params)


def apply_reports(
    session: Session, reports: list[dict[str, Any]], ids: list[int], existing: Collection[Key]
) -> None:
    """Make each report the current state of its unit and bed type (insert or update)."""
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for report, report_id in zip(reports, ids, strict=True):
        values = {name: report[name] for name in _STATE_COLUMNS if name != "report_id"}
        values["report_id"] = report_id
        if (report["unit_id"], report["bed_type_code"]) in existing:
            updates.append(values)
        else:
            inserts.append({**values, "organisation_id": report["organisation_id"],
                            "held": 0, "version": 1})
    connection = session.connection()
    table = _table(BedState)
    if inserts:
        connection.execute(insert(table), inserts)
    if updates and is_postgresql(session):
        connection.execute(_PG_UPDATE, {name: [u[name] for u in updates]
                                        for name in _STATE_COLUMNS})
    elif updates:
        _sqlite_executemany(connection, table, updates,
                            where=("unit_id", "bed_type_code"), increment="version")
    expire_loaded(session, {(r["unit_id"], r["bed_type_code"]) for r in reports})


def expire_loaded(session: Session, keys: Collection[Key]) -> None:
    """Expire loaded BedState objects of these keys (after a write that bypassed the ORM).

    Copies of these rows loaded earlier in this session would otherwise show old figures.
    """
    for state in list(session.identity_map.all_states()):
        obj = state.obj()
        if isinstance(obj, BedState) and state.identity is not None and (
                tuple(state.identity) in keys):
            session.expire(obj)
