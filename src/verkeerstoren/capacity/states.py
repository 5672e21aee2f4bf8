"""Reading and writing many bed states at once: the set-based half of :mod:`capacity.service`.

A 10,000-row upload must take seconds, not minutes, so every function here issues a handful of
statements for the whole batch instead of one per row. PostgreSQL gets one statement over
``unnest``-ed arrays (no bound-parameter limit, one round trip); SQLite, in-process and without
round trips, uses executemany. The table's CHECK constraints stay the final guard either way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import AvailabilityReport, BedState
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage.base import Base, is_postgresql

Key = tuple[int, str]

_t = BedState.__table__.c
_u = UnitBedType.__table__.c
_cu = CareUnit.__table__.c
_MAX_REPORT_ID = select(func.max(AvailabilityReport.__table__.c.id))
_SQLITE_CHUNK = 5000  # unit ids per IN list: well below SQLite's bound-parameter limit

# One report's lookup (issue 18 item 3): every key with its unit's organisation and registered
# beds (NULL when the unit has no such beds, is inactive or, in a confined session, another
# organisation's) and its state's ``held`` (NULL when there is no state yet). MATERIALIZED
# keeps the locking scan a separate step (as bulk_copy._LOOKUP): every existing state of the
# keys is row-locked in key order (no deadlock between overlapping reports), whatever plan the
# join gets; a lock cannot sit on the nullable side of the outer join itself.
_PG_LOOKUP = text("""
    WITH locked AS MATERIALIZED (
        SELECT b.unit_id, b.bed_type_code, b.held
        FROM bed_state AS b
        JOIN unnest(CAST(:unit_ids AS integer[]), CAST(:codes AS varchar[])) AS w(unit_id, code)
          ON b.unit_id = w.unit_id AND b.bed_type_code = w.code
        ORDER BY b.unit_id, b.bed_type_code
        FOR UPDATE OF b
    )
    SELECT k.unit_id, k.code, t.organisation_id, t.physical_beds, l.held
    FROM unnest(CAST(:unit_ids AS integer[]), CAST(:codes AS varchar[])) AS k(unit_id, code)
    LEFT JOIN (
        SELECT u.unit_id, u.bed_type_code, cu.organisation_id, u.physical_beds
        FROM unit_bed_type AS u JOIN care_unit AS cu ON cu.id = u.unit_id
        WHERE cu.active AND (CAST(:scope AS integer) IS NULL OR cu.organisation_id = :scope)
    ) AS t ON t.unit_id = k.unit_id AND t.bed_type_code = k.code
    LEFT JOIN locked AS l ON l.unit_id = k.unit_id AND l.bed_type_code = k.code
""")

# The history rows of a CTE (``{history}``: id and the report's columns) made the current
# states: held and the organisation are kept, a new state starts with held 0, version 1. Shared
# by a report (_PG_WRITE) and a bulk import (bulk_copy._WRITE).
STATE_UPSERT = """
        INSERT INTO bed_state AS b (
            unit_id, bed_type_code, organisation_id, physical, staffed, occupied, blocked, held,
            blocked_reason, expected_free_date, remark, reported_at, report_id, version)
        SELECT unit_id, bed_type_code, organisation_id, physical, staffed, occupied, blocked, 0,
               blocked_reason, expected_free_date, remark, reported_at, id, 1
        FROM {history}
        ON CONFLICT (unit_id, bed_type_code) DO UPDATE SET
            physical = excluded.physical, staffed = excluded.staffed,
            occupied = excluded.occupied, blocked = excluded.blocked,
            blocked_reason = excluded.blocked_reason,
            expected_free_date = excluded.expected_free_date, remark = excluded.remark,
            reported_at = excluded.reported_at, report_id = excluded.report_id,
            version = b.version + 1
        RETURNING b.unit_id
"""

# The history rows and the states they make current, in one statement: the INSERT's RETURNING
# feeds an upsert of the states (held and the organisation are kept; a new state starts with
# held 0, version 1). Was three: the ids (nextval), the INSERT, the UPDATE.
_PG_WRITE = text("""
    WITH report AS (
        INSERT INTO availability_report (
            organisation_id, unit_id, bed_type_code, reported_at, physical, staffed, occupied,
            blocked, blocked_reason, expected_free_date, remark, source, reported_by)
        SELECT * FROM unnest(
            CAST(:organisation_id AS integer[]), CAST(:unit_id AS integer[]),
            CAST(:bed_type_code AS varchar[]), CAST(:reported_at AS timestamptz[]),
            CAST(:physical AS integer[]), CAST(:staffed AS integer[]),
            CAST(:occupied AS integer[]), CAST(:blocked AS integer[]),
            CAST(:blocked_reason AS varchar[]), CAST(:expected_free_date AS date[]),
            CAST(:remark AS varchar[]), CAST(:source AS varchar[]),
            CAST(:reported_by AS varchar[]))
        RETURNING id, organisation_id, unit_id, bed_type_code, reported_at, physical, staffed,
                  occupied, blocked, blocked_reason, expected_free_date, remark
    ), state AS (""" + STATE_UPSERT.format(history="report") + """)
    SELECT min(id), max(id), count(*), (SELECT count(*) FROM state) FROM report
""")  # noqa: S608 - only our own CTE name is formatted in

_REPORT_COLUMNS = (
    "organisation_id", "unit_id", "bed_type_code", "reported_at", "physical", "staffed",
    "occupied", "blocked", "blocked_reason", "expected_free_date", "remark", "source",
    "reported_by",
)

_STATE_COLUMNS = (
    "unit_id", "bed_type_code", "physical", "staffed", "occupied", "blocked", "blocked_reason",
    "expected_free_date", "remark", "reported_at", "report_id",
)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# SQLite's lookup, built once: the same answer as _PG_LOOKUP for the units in the IN list
# (plain integers: a row-value IN of thousands of pairs costs far more to render and bind; the
# other bed types of the same units are dropped by the caller).
_SQLITE_LOOKUP = (
    select(_u.unit_id, _u.bed_type_code, _cu.organisation_id, _u.physical_beds, _t.held)
    .join(CareUnit.__table__, _cu.id == _u.unit_id)
    .outerjoin(BedState.__table__, (_t.unit_id == _u.unit_id)
               & (_t.bed_type_code == _u.bed_type_code))
    .where(_u.unit_id.in_(bindparam("unit_ids", expanding=True)), _cu.active.is_(True))
)
_SQLITE_LOOKUP_SCOPED = _SQLITE_LOOKUP.where(_cu.organisation_id == bindparam("scope"))


@dataclass(frozen=True)
class Found:
    """What :func:`lookup` found for one key: the unit's organisation and registered beds
    (None: no such beds, an inactive unit or, in a confined session, another organisation's)
    and the beds held on its state (None: no state yet)."""

    organisation_id: int | None
    physical_beds: int | None
    held: int | None


def lookup(session: Session, keys: Collection[Key], scope: int | None) -> dict[Key, Found]:
    """The targets of a batch of reports and their holds, in one statement per chunk.

    ``scope``: the organisation a confined session's reads are limited to (None: all). On
    PostgreSQL the existing states are row-locked until the commit, in key order (two
    concurrent uploads of overlapping units cannot deadlock), before the caller checks
    ``held``: a reservation cannot slip in between the check and the write. SQLite needs no
    row locks: every write transaction there starts with BEGIN IMMEDIATE.
    """
    ordered = sorted(keys)
    if not ordered:
        return {}
    connection = session.connection()
    if is_postgresql(session):
        rows = connection.execute(_PG_LOOKUP, {
            "unit_ids": [k[0] for k in ordered], "codes": [k[1] for k in ordered],
            "scope": scope})
        return {(u, c): Found(org, physical, held) for u, c, org, physical, held in rows}
    found: dict[Key, Found] = {}
    wanted = set(ordered)
    unit_ids = sorted({k[0] for k in ordered})
    statement = _SQLITE_LOOKUP if scope is None else _SQLITE_LOOKUP_SCOPED
    for start in range(0, len(unit_ids), _SQLITE_CHUNK):
        rows = connection.execute(statement, {
            "unit_ids": unit_ids[start : start + _SQLITE_CHUNK], "scope": scope})
        found.update({(u, c): Found(org, physical, held)
                      for u, c, org, physical, held in rows if (u, c) in wanted})
    return found


def write_reports(session: Session, reports: list[dict[str, Any]],
                  existing: Collection[Key]) -> tuple[int, int]:
    """Insert the history rows and make each the current state of its unit and bed type;
    returns the first and last report id. ``existing``: the keys that have a state already
    (SQLite; PostgreSQL's upsert finds out itself)."""
    if is_postgresql(session):
        params = {name: [r[name] for r in reports] for name in _REPORT_COLUMNS}
        params["source"] = [r["source"].value for r in reports]  # the column stores values
        first, last, written, states = session.connection().execute(_PG_WRITE, params).one()
        # The table's constraints guard the values; this guards the statement itself.
        assert written == states == len(reports), (written, states, len(reports))
        expire_loaded(session, {(r["unit_id"], r["bed_type_code"]) for r in reports})
        return int(first), int(last)
    ids = _insert_reports(session, reports)
    _apply_reports(session, reports, ids, existing)
    return ids[0], ids[-1]


def _insert_reports(session: Session, reports: list[dict[str, Any]]) -> list[int]:
    """Insert history rows (SQLite); returns their ids in the order of ``reports``."""
    table = _table(AvailabilityReport)
    connection = session.connection()
    # SQLite cannot promise the order of a multi-row RETURNING, so SQLAlchemy would fall back
    # to one INSERT per row. This transaction began with BEGIN IMMEDIATE and holds the only
    # write lock, so numbering the rows ourselves from the current maximum is safe.
    last = connection.execute(_MAX_REPORT_ID).scalar_one_or_none() or 0
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


def _apply_reports(
    session: Session, reports: list[dict[str, Any]], ids: list[int], existing: Collection[Key]
) -> None:
    """Make each report the current state of its unit and bed type (SQLite: insert or update)."""
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
    if updates:
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
