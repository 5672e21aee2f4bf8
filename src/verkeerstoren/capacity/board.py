"""The live regional board: current availability of every unit and bed type, filtered.

Built in two steps so that a cache can refresh a few rows instead of the whole board
(:mod:`capacity.board_cache`): :func:`fetch` reads the raw database rows (all of the filter's
rows, or only some unit × bed-type keys), and :func:`board_data.assemble` turns raw rows into
the board at a moment ``now`` (freshness, available, filters, order, totals), which a refresh
then changes a few rows at a time. Both are lean on purpose: a
cold board of one region (≈ 1,500 rows) must build in well under 50 ms (bench/capacity.py), so
rows stay tuples and dicts, and pydantic only serialises (no per-row validation).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, select, tuple_, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from verkeerstoren.capacity.board_data import BoardData, BoardFilter, Key, Raw, assemble
from verkeerstoren.capacity.models import BedState
from verkeerstoren.capacity.schemas import Board
from verkeerstoren.registry.models import (
    BedType,
    CareUnit,
    Gemeente,
    Location,
    Organisation,
    UnitBedType,
    unit_feature,
)
from verkeerstoren.storage.base import utcnow

# BoardFilter and BoardData live with the assembly (board_data) and are part of this API.
__all__ = ["BoardData", "BoardFilter", "Key", "Raw", "board", "build", "fetch"]

# The two columns fetch converts from the driver's values.
_REPORTED_AT = Raw._fields.index("reported_at")
_EXPECTED_FREE = Raw._fields.index("expected_free_date")


def board(session: Session, flt: BoardFilter, *, now: datetime | None = None) -> Board:
    """Every registered unit × bed type with its current state (zeros when never reported)."""
    return build(session, flt, now=now or utcnow()).model()


def build(session: Session, flt: BoardFilter, *, now: datetime) -> BoardData:
    """The board from scratch: one query, then :func:`assemble`."""
    return assemble(fetch(session, flt).values(), flt, now)


def _columns() -> tuple[Any, ...]:
    # The unit's features as one "a,b" string from a correlated subquery: one round trip,
    # instead of a second query with an IN list of every unit on the board.
    features = (
        select(func.aggregate_strings(unit_feature.c.feature_code, ","))
        .where(unit_feature.c.unit_id == CareUnit.id)
        .scalar_subquery()
    )
    columns: dict[str, Any] = {
        "unit_id": UnitBedType.unit_id, "bed_type_code": UnitBedType.bed_type_code,
        "physical_registered": UnitBedType.physical_beds, "unit": CareUnit.name,
        "phone": CareUnit.phone, "organisation_id": CareUnit.organisation_id,
        "organisation": Organisation.name, "location": Location.name,
        "gemeente_code": Location.gemeente_code, "gemeente": Gemeente.name,
        "wijk_code": Location.wijk_code, "latitude": Location.latitude,
        "longitude": Location.longitude, "bed_type": BedType.name,
        "max_report_age_hours": BedType.max_report_age_hours, "sort_order": BedType.sort_order,
        "feature_codes": features,
        # The driver's own values (SQLite: ISO text; PostgreSQL: datetime/date), converted in
        # fetch: SQLAlchemy's per-value result processing was a third of the build.
        "reported_at": type_coerce(BedState.reported_at, NullType()),
        "physical": BedState.physical, "staffed": BedState.staffed,
        "occupied": BedState.occupied, "blocked": BedState.blocked, "held": BedState.held,
        "expected_free_date": type_coerce(BedState.expected_free_date, NullType()),
        "remark": BedState.remark,
    }
    assert tuple(columns) == Raw._fields  # the row's names are the columns' names
    return tuple(columns.values())


def _statement(flt: BoardFilter) -> Select[Any]:
    stmt = (
        select(*_columns())
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(Organisation, Organisation.id == CareUnit.organisation_id)
        .join(Location, Location.id == CareUnit.location_id)
        .join(Gemeente, Gemeente.code == Location.gemeente_code)
        .join(BedType, BedType.code == UnitBedType.bed_type_code)
        .outerjoin(
            BedState,
            (BedState.unit_id == UnitBedType.unit_id)
            & (BedState.bed_type_code == UnitBedType.bed_type_code),
        )
        .where(CareUnit.active.is_(True))
    )
    if flt.bed_types:
        stmt = stmt.where(UnitBedType.bed_type_code.in_(flt.bed_types))
    if flt.gemeenten:
        stmt = stmt.where(Location.gemeente_code.in_(flt.gemeenten))
    if flt.wijken:
        stmt = stmt.where(Location.wijk_code.in_(flt.wijken))
    if flt.region_id is not None:
        stmt = stmt.where(Gemeente.region_id == flt.region_id)
    if flt.organisation_id is not None:
        stmt = stmt.where(CareUnit.organisation_id == flt.organisation_id)
    for code in flt.features:
        stmt = stmt.where(
            select(unit_feature.c.unit_id)
            .where(unit_feature.c.unit_id == CareUnit.id, unit_feature.c.feature_code == code)
            .exists()
        )
    return stmt


def _sqlite_datetime(value: str | None) -> datetime | None:
    # SQLAlchemy stores UTC as naive ISO text on SQLite ("2026-11-23 20:12:00.000000"), but
    # rows written around it may carry an offset ("…+00:00"), which is ignored as before.
    # The naive form is parsed with the offset appended: one C call, a sixth of
    # fromisoformat().replace(), and the same value (its tzinfo is datetime.UTC itself).
    if value is None:
        return None
    if value[-6] in "+-" or value[-1] == "Z":
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return datetime.fromisoformat(value + "+00:00")


def _pg_datetime(value: datetime | None) -> datetime | None:
    # psycopg answers in the connection's time zone; the board speaks UTC.
    return None if value is None else value.astimezone(UTC)


def _sqlite_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _same(value: Any) -> Any:
    return value


def fetch(session: Session, flt: BoardFilter,
          keys: Collection[Key] | None = None) -> dict[Key, Raw]:
    """The filter's raw rows by unit × bed type; only ``keys`` (and those in the filter) if
    given. Datetimes and dates come back as Python values, in UTC."""
    stmt = _statement(flt)
    if keys is not None:
        if not keys:
            return {}
        stmt = stmt.where(tuple_(UnitBedType.unit_id, UnitBedType.bed_type_code)
                          .in_(sorted(keys)))
    # Core, not the ORM session: no ORM row processing for a plain tuple result. The rows are
    # then taken straight from the DBAPI cursor: no column of _columns() has a result
    # processor (the dates are coerced to NullType and converted below), and building
    # SQLAlchemy Row objects for 1,500 rows was a fifth of the cold build.
    connection = session.connection()
    to_datetime: Callable[[Any], datetime | None]
    to_date: Callable[[Any], date | None]
    if connection.dialect.name == "sqlite":
        to_datetime, to_date = _sqlite_datetime, _sqlite_date
    else:
        to_datetime, to_date = _pg_datetime, _same
    result = connection.execute(stmt)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    out: dict[Key, Raw] = {}
    # Locals: this loop runs per row. tuple.__new__ makes the named row from the converted
    # tuple in C (Raw._make and Raw(...) are Python functions).
    make = tuple.__new__
    at, free = _REPORTED_AT, _EXPECTED_FREE
    after_at, after_free = at + 1, free + 1
    for values in rows:
        if values[at] is not None:  # a state exists: its two dates need converting
            values = (*values[:at], to_datetime(values[at]), *values[after_at:free],
                      to_date(values[free]), *values[after_free:])
        row: Raw = make(Raw, values)
        out[(row.unit_id, row.bed_type_code)] = row
    return out
