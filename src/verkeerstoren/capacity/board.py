"""The live regional board: current availability of every unit and bed type, filtered.

Built in two steps so that a cache can refresh a few rows instead of the whole board
(:mod:`capacity.board_cache`): :func:`fetch` reads the raw database rows (all of the filter's
rows, or only some unit × bed-type keys), and :func:`assemble` turns raw rows into the board at
a moment ``now`` (freshness, available, filters, order, totals). Both are lean on purpose: a
cold board of one region (≈ 1,500 rows) must build in well under 50 ms (bench/capacity.py), so
rows stay tuples and dicts, and pydantic only serialises (no per-row validation).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, cast, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Select, func, select, tuple_, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

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

Key = tuple[int, str]


class Raw(NamedTuple):
    """One database row of the board (the columns of :func:`_columns`, in this order).

    Registry columns first; the state's columns are None when the unit never reported.
    Dates and datetimes are Python values in UTC (converted in :func:`fetch`).
    """

    unit_id: int
    bed_type_code: str
    physical_registered: int
    unit: str
    phone: str | None
    organisation_id: int
    organisation: str
    location: str
    gemeente_code: str
    gemeente: str
    wijk_code: str | None
    latitude: float | None
    longitude: float | None
    bed_type: str
    max_report_age_hours: int
    sort_order: int
    feature_codes: str | None  # "a,b"
    reported_at: datetime | None
    physical: int | None
    staffed: int | None
    occupied: int | None
    blocked: int | None
    held: int | None
    expected_free_date: date | None
    remark: str | None


# The two columns fetch converts from the driver's values.
_REPORTED_AT = Raw._fields.index("reported_at")
_EXPECTED_FREE = Raw._fields.index("expected_free_date")
NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class BoardFilter:
    """What the coordinator narrowed the board to; empty means everything."""

    bed_types: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    gemeenten: tuple[str, ...] = ()
    wijken: tuple[str, ...] = ()
    region_id: int | None = None
    fresh_only: bool = False
    available_only: bool = False
    organisation_id: int | None = None


def _plain_type(annotation: Any) -> Any:
    """The annotation with every pydantic model in it replaced by a TypedDict of its fields."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = {name: _plain_type(f.annotation) for name, f in annotation.model_fields.items()}
        # The functional form, because the fields come from the model: one definition of the
        # board's shape (schemas.Board), and mypy only accepts literal dicts here.
        return cast(Any, TypedDict)(f"{annotation.__name__}Dict", fields)
    if get_origin(annotation) is list:
        return list[_plain_type(get_args(annotation)[0])]  # type: ignore[misc]
    return annotation


# Serialises plain dicts in Rust, in schema order, exactly as Board.model_dump_json would
# (a test compares the bytes), without validating 1,500 rows first.
_JSON: TypeAdapter[Any] = TypeAdapter(_plain_type(Board))


@dataclass
class BoardData:
    """A built board as plain rows: what the API serialises and the pages render."""

    rows: list[dict[str, Any]]
    totals_by_bed_type: list[dict[str, Any]]
    totals_by_gemeente: list[dict[str, Any]]
    generated_at: datetime
    turns_stale: datetime  # when its first fresh figure turns stale (a cache's expiry)

    def _plain(self) -> dict[str, Any]:
        return {"rows": self.rows, "totals_by_bed_type": self.totals_by_bed_type,
                "totals_by_gemeente": self.totals_by_gemeente,
                "generated_at": self.generated_at}

    def json(self) -> bytes:
        return _JSON.dump_json(self._plain())

    def model(self) -> Board:
        """The board as the pydantic model (for callers that want attributes and types)."""
        return Board.model_validate(self._plain())


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


def assemble(raws: Iterable[Raw], flt: BoardFilter, now: datetime) -> BoardData:
    """The board at ``now`` from raw rows: freshness, the derived figures, the filter's
    fresh/available options, the board's order and the totals. Pure, no I/O."""
    limits: dict[int, timedelta] = {}
    feature_lists: dict[str, tuple[str, ...]] = {}  # few distinct feature sets per board
    # The totals are summed in the same pass: [staffed, available, fresh available].
    by_bed_type: dict[tuple[str, str], list[int]] = {}
    by_gemeente: dict[tuple[str, str], list[int]] = {}
    turns_stale = NEVER
    fresh_only, available_only = flt.fresh_only, flt.available_only
    ranked: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    append = ranked.append
    # Unpacked in Raw's field order (one step, the fastest way to read 25 fields per row).
    for (unit_id, code, physical, unit, phone, org_id, org, location, gm_code, gm_name, wijk,
         lat, lon, bt_name, max_age, sort_order, feature_codes, reported_at, s_physical,
         staffed, occupied, blocked, held, expected_free, remark) in raws:
        limit = limits.get(max_age)
        if limit is None:
            limit = limits[max_age] = timedelta(hours=max_age)
        # Same rule as freshness.is_stale and age_hours, inlined: this loop runs per row.
        if reported_at is None:
            stale = True
            age = None
        else:
            stale = now - reported_at > limit
            if not stale and reported_at + limit < turns_stale:
                turns_stale = reported_at + limit
            age = max(0.0, (now - reported_at).total_seconds() / 3600)
        staffed = staffed or 0
        occupied = occupied or 0
        blocked = blocked or 0
        held = held or 0
        available = staffed - occupied - blocked - held
        if (fresh_only and stale) or (available_only and available <= 0):
            continue
        if feature_codes:
            features = feature_lists.get(feature_codes)
            if features is None:
                features = feature_lists[feature_codes] = tuple(sorted(feature_codes.split(",")))
        else:
            features = ()
        for sums, total_key in ((by_bed_type, (code, bt_name)), (by_gemeente, (gm_code, gm_name))):
            acc = sums.get(total_key)
            if acc is None:
                acc = sums[total_key] = [0, 0, 0]
            acc[0] += staffed
            if available > 0:
                acc[1] += available
                if not stale:
                    acc[2] += available
        # Fresh availability first; stale figures cannot be trusted for a placement. The
        # key decides ties, so a refreshed board orders exactly as a fresh build.
        append(((stale, -available, sort_order, gm_name, unit, unit_id, code), {
            "unit_id": unit_id, "unit": unit, "organisation_id": org_id, "organisation": org,
            "location": location, "gemeente_code": gm_code, "gemeente": gm_name,
            "wijk_code": wijk, "latitude": lat, "longitude": lon, "bed_type_code": code,
            "bed_type": bt_name, "features": list(features),  # a list of its own per row
            "physical": s_physical if s_physical is not None else physical,
            "staffed": staffed, "occupied": occupied, "blocked": blocked, "held": held,
            "available": available, "expected_free_date": expected_free, "remark": remark,
            "reported_at": reported_at, "age_hours": age, "stale": stale, "phone": phone,
        }))
    ranked.sort(key=lambda item: item[0])
    rows = [item[1] for item in ranked]
    return BoardData(rows, _totals(by_bed_type), _totals(by_gemeente), now, turns_stale)


def _totals(sums: dict[tuple[str, str], list[int]]) -> list[dict[str, Any]]:
    return [
        {"key": k[0], "label": k[1], "staffed": v[0], "available": v[1], "fresh_available": v[2]}
        for k, v in sorted(sums.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
