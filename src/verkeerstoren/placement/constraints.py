"""`matching`'s hard constraints and score, translated to SQL over the live bed states.

`matching` stays the definition. At national size a request has ~3,600 candidates; turning
each into Python objects with explanations cost ten times the 50 ms target
(docs/performance-log.md, issue 5). So the database filters (the hard constraints become WHERE
clauses), counts the exclusions per rule, and pre-ranks with the same score formula, and only
the rows a page shows come back; `matching` then scores, orders and explains exactly those.
tests/placement/test_constraints.py checks on random data, on both databases, that this gives
the same options, order, exclusions and counts as `matching.match` over every candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.expression import False_

from verkeerstoren.capacity.models import BedState
from verkeerstoren.placement.matching import (
    PER_ACCEPT_RATE,
    PER_HOUR_OLD,
    PER_KM,
    PREFERRED_AREA,
    Need,
    Rule,
    paying_bed_types,
)
from verkeerstoren.placement.models import Reservation, ReservationStatus
from verkeerstoren.registry.geo import EARTH_RADIUS_KM
from verkeerstoren.registry.models import (
    BedType,
    CareUnit,
    Location,
    Organisation,
    UnitBedType,
    unit_feature,
)
from verkeerstoren.storage.base import UTCDateTime

# CPython's math.radians multiplies by this same double, so SQL and Python agree bit for bit.
DEGREE = math.pi / 180.0

# The columns a Candidate is built from (options.candidate_from_row reads them in this order).
class CandidateRow(NamedTuple):
    """A candidate's row by name: the values of CANDIDATE_COLUMNS, in that order."""

    unit_id: int
    bed_type_code: str
    unit: str
    organisation_id: int
    organisation: str
    gemeente_code: str
    latitude: float | None
    longitude: float | None
    max_report_age_hours: int
    reported_at: datetime | None  # None (and the counts too) when the unit never reported
    staffed: int | None
    occupied: int | None
    blocked: int | None
    held: int | None
    expected_free_date: date | None


CANDIDATE_COLUMNS = (  # in CandidateRow's order
    UnitBedType.unit_id, UnitBedType.bed_type_code, CareUnit.name,
    CareUnit.organisation_id, Organisation.name, Location.gemeente_code,
    Location.latitude, Location.longitude, BedType.max_report_age_hours,
    BedState.reported_at, BedState.staffed, BedState.occupied, BedState.blocked,
    BedState.held, BedState.expected_free_date,
)


def considered(bed_types: tuple[str, ...] | list[str], *columns: Any,
               details: bool = True) -> Select[Any]:
    """Every active unit offering one of these bed types, its bed state outer-joined.

    The same rows as the capacity board (tests/placement/test_options.py); a unit that never
    reported has no bed state and counts as stale with nothing free. Without `details` the
    organisation, location and bed type are not joined: every unit has exactly one of each
    (NOT NULL foreign keys), so the rows are the same and counting them is cheaper.
    """
    statement = select(*columns).select_from(UnitBedType).join(
        CareUnit, CareUnit.id == UnitBedType.unit_id)
    if details:
        statement = (statement
                     .join(Organisation, Organisation.id == CareUnit.organisation_id)
                     .join(Location, Location.id == CareUnit.location_id)
                     .join(BedType, BedType.code == UnitBedType.bed_type_code))
    # The bed type filter is repeated on bed_state: implied by the join condition, but
    # PostgreSQL does not carry it across an outer join by itself, and without it hashes all
    # of bed_state (every bed type) instead of using its (bed_type_code, unit_id) index.
    return statement.outerjoin(
        BedState,
        (BedState.unit_id == UnitBedType.unit_id)
        & (BedState.bed_type_code == UnitBedType.bed_type_code)
        & BedState.bed_type_code.in_(bed_types),
    ).where(CareUnit.active.is_(True), UnitBedType.bed_type_code.in_(bed_types))


def available() -> ColumnElement[int]:
    return (func.coalesce(BedState.staffed, 0) - func.coalesce(BedState.occupied, 0)
            - func.coalesce(BedState.blocked, 0) - func.coalesce(BedState.held, 0))


@dataclass(frozen=True)
class Rules:
    """One SQL condition per hard constraint: true when the row breaks it (never NULL)."""

    broken: dict[Rule, ColumnElement[bool]]

    @property
    def any(self) -> ColumnElement[bool]:
        return or_(*self.broken.values())


def rules(need: Need, max_age_hours: dict[str, int], now: datetime) -> Rules:
    """`matching.violations` as SQL (same order of rules, same comparisons), for the rows of
    considered(need.bed_types).

    Those rows only have requested bed types, which lets every comparison with a bed type be
    decided in Python once instead of in the database for every row: the bed type rule never
    holds, financing fails exactly for the requested types it does not pay, and the stale
    threshold only needs the bed type when the requested types' maximum ages differ.
    """
    code = UnitBedType.bed_type_code
    lacks = [
        not_(exists().where(unit_feature.c.unit_id == UnitBedType.unit_id,
                            unit_feature.c.feature_code == feature))
        for feature in sorted(need.features)
    ]
    # is_stale(): never reported, or now - reported_at > max age  <=>  reported_at < now - age.
    by_age: dict[int, list[str]] = {}
    for bed_type in sorted(set(need.bed_types)):
        # A requested type without a bed type row has no rows either (foreign key).
        if bed_type in max_age_hours:
            by_age.setdefault(max_age_hours[bed_type], []).append(bed_type)
    too_old = [
        (BedState.reported_at < now - timedelta(hours=hours)) if len(by_age) == 1
        else and_(code.in_(sorted(types)), BedState.reported_at < now - timedelta(hours=hours))
        for hours, types in sorted(by_age.items())
    ]
    unpaid = sorted(set(need.bed_types) - set(paying_bed_types(need)))
    free_in_time = and_(BedState.expected_free_date.is_not(None),
                        BedState.expected_free_date <= need.wanted_start)
    return Rules({
        Rule.BED_TYPE: false(),
        Rule.FEATURES: or_(*lacks) if lacks else false(),
        Rule.FINANCING: code.in_(unpaid) if unpaid else false(),
        Rule.STALE: or_(BedState.reported_at.is_(None), *too_old),
        Rule.NO_FREE_BED: and_(available() <= 0, not_(free_in_time)),
    })


def max_report_ages(session: Session, bed_types: tuple[str, ...]) -> dict[str, int]:
    rows = session.execute(
        select(BedType.code, BedType.max_report_age_hours).where(BedType.code.in_(bed_types)))
    return {code: hours for code, hours in rows}


def rule_bits(found: Rules) -> ColumnElement[int]:
    """The rules a row breaks as one number (bit i: the i-th rule of `Rule`), 0 for options."""
    bits: ColumnElement[int] = literal(0)
    for bit, rule in enumerate(Rule):
        if not isinstance(found.broken[rule], False_):  # decided in Python: never broken
            bits = bits + case((found.broken[rule], 1 << bit), else_=0)
    return bits


def distance_sql(need: Need, latitude: Any, longitude: Any) -> ColumnElement[float] | None:
    """`registry.geo.distance_km` from the patient's area to the unit (NULL if unknown)."""
    if need.latitude is None or need.longitude is None:
        return None
    p1 = math.radians(need.latitude)
    p2 = latitude * DEGREE
    half_dp = (p2 - p1) / 2.0
    half_dl = (longitude - need.longitude) * DEGREE / 2.0
    a = (func.sin(half_dp) * func.sin(half_dp)
         + math.cos(p1) * func.cos(p2) * func.sin(half_dl) * func.sin(half_dl))
    capped = case((a > 1.0, 1.0), else_=a)
    return (2 * EARTH_RADIUS_KM) * func.asin(func.sqrt(capped))


def _age_hours(dialect: str, now: datetime, reported_at: Any) -> ColumnElement[float]:
    at = literal(now, UTCDateTime())
    if dialect == "sqlite":
        # julianday() keeps milliseconds: the pre-ranking may be off by ~1e-7 points, which
        # the WINDOW absorbs; matching computes the exact score.
        days = func.julianday(at) - func.julianday(reported_at)
        # age_hours() counts a report from the future as 0 h old; SQLite's max() of two
        # values is the scalar maximum.
        return func.max(days * 24.0, 0.0)
    # date_part() is double precision; extract() would be numeric, several times slower.
    return func.greatest(func.date_part("epoch", at - reported_at) / 3600.0, 0.0)


def acceptance_sql(since: datetime) -> Any:
    """options.acceptance_rates as a subquery (organisation_id, rate)."""
    accepted = func.sum(case((Reservation.status == ReservationStatus.ACCEPTED, 1), else_=0))
    return (
        select(Reservation.organisation_id.label("organisation_id"),
               (cast(accepted, Float) / func.count()).label("rate"))
        .where(Reservation.status.in_([ReservationStatus.ACCEPTED, ReservationStatus.DECLINED]),
               Reservation.created_at >= since)
        .group_by(Reservation.organisation_id)
        .subquery("acceptance")
    )


def score_sql(need: Need, dialect: str, now: datetime, row: Any,
              rate: Any) -> ColumnElement[float]:
    """`matching.score` as SQL, term by term in the same order (x - 0.0 and x + 0.0 are x).

    `row` has the columns latitude, longitude, reported_at and gemeente_code.
    """
    value: ColumnElement[float] = literal(100.0, Float)
    km = distance_sql(need, row.latitude, row.longitude)
    if km is not None:
        value = value - func.coalesce(PER_KM * km, 0.0)
    value = value - func.coalesce(PER_HOUR_OLD * _age_hours(dialect, now, row.reported_at), 0.0)
    if need.preferred_gemeenten:
        value = value + case(
            (row.gemeente_code.in_(sorted(need.preferred_gemeenten)), PREFERRED_AREA),
            else_=0.0)
    return value + func.coalesce(PER_ACCEPT_RATE * rate, 0.0)


# Extra rows fetched on each side of a page. The database's score may differ from matching's
# in the last digits (SQLite's julianday() keeps milliseconds; matching ranks by the score
# rounded to 6 decimals, the database by the unrounded one), which can only swap rows whose
# scores lie within ~1e-6 of each other; matching re-orders the fetched rows exactly. A row
# could be missed only if more than WINDOW rows' scores crowded within 1e-6 of it.
WINDOW = 20


@dataclass(frozen=True)
class Survey:
    """The counts of one request's candidates and a window of its options with their rows."""

    considered: int
    excluded: int
    by_rule: dict[Rule, int]
    start: int  # rank of keys[0] among the options (database order)
    keys: list[tuple[int, str]]  # (unit id, bed type), best first by the database's score
    scores: list[float]  # the database's score of each key (tests compare it to matching's)
    rates: dict[int, float]  # acceptance rate of the keys' organisations that have one
    rows: list[CandidateRow]  # each key's row, in the same order


def survey(session: Session, need: Need, found: Rules, now: datetime, since: datetime,
           offset: int, limit: int) -> Survey:
    """Exclusion counts per rule and the options around [offset, offset + limit) with their
    CANDIDATE_COLUMNS, in one statement that joins and checks every candidate once.

    The candidates with their broken rules are materialised once (a few thousand small rows);
    the counts group them by rule bits and the pre-ranking scores only the options among
    them; the few rows of the window are then joined to their details by primary key (one
    round trip instead of a second query for them).
    """
    dialect = session.get_bind().dialect.name
    rows = considered(
        need.bed_types, UnitBedType.unit_id.label("unit_id"),
        UnitBedType.bed_type_code.label("bed_type_code"), rule_bits(found).label("bits"),
        CareUnit.organisation_id.label("organisation_id"),
        Location.latitude.label("latitude"), Location.longitude.label("longitude"),
        Location.gemeente_code.label("gemeente_code"),
        BedState.reported_at.label("reported_at"), details=False,
    ).join(Location, Location.id == CareUnit.location_id).cte("candidate").prefix_with(
        "MATERIALIZED")
    start = max(0, offset - WINDOW)
    rate = acceptance_sql(since)
    score = score_sql(need, dialect, now, rows.c, rate.c.rate)
    scored = score.label("score")  # ordered by name: the database computes it once a row
    window = (
        select(rows.c.unit_id, rows.c.bed_type_code, scored, rate.c.rate)
        .outerjoin(rate, rate.c.organisation_id == rows.c.organisation_id)
        .where(rows.c.bits == 0)
        .order_by(scored.desc(), rows.c.unit_id, rows.c.bed_type_code)
        .offset(start).limit(offset - start + limit + WINDOW)
        .subquery("window")
    )
    # CANDIDATE_COLUMNS, the key taken from the window (the same values as UnitBedType's).
    detail: list[Any] = [window.c.unit_id, window.c.bed_type_code, *CANDIDATE_COLUMNS[2:]]
    ranked = (
        select(literal(1).label("part"), literal(None, Integer).label("bits"),
               window.c.score.label("n"), window.c.rate.label("rate"),
               *[column.label(f"c{i}") for i, column in enumerate(detail)])
        .select_from(window)
        .join(CareUnit, CareUnit.id == window.c.unit_id)
        .join(Organisation, Organisation.id == CareUnit.organisation_id)
        .join(Location, Location.id == CareUnit.location_id)
        .join(BedType, BedType.code == window.c.bed_type_code)
        .outerjoin(BedState, (BedState.unit_id == window.c.unit_id)
                   & (BedState.bed_type_code == window.c.bed_type_code))
    )
    # The counts' rows pad the detail columns with NULLs of the same types; the union's
    # first statement (ranked) gives the result's types.
    counts = select(literal(0).label("part"), rows.c.bits, func.count().label("n"),
                    cast(null(), Float).label("rate"),
                    *[cast(null(), column.type).label(f"c{i}")
                      for i, column in enumerate(detail)]).group_by(rows.c.bits)
    considered_n = excluded = 0
    by_rule: dict[Rule, int] = {}
    found_rows: list[tuple[float, CandidateRow]] = []
    rates: dict[int, float] = {}
    statement: Executable = union_all(ranked, counts) if limit else counts
    for part, bits, n, rate_value, *candidate in session.execute(statement):
        if part == 0:
            n = int(n)  # PostgreSQL unites the count with the scores as double precision
            considered_n += n
            if bits:
                excluded += n
                for bit, rule in enumerate(Rule):
                    if bits & (1 << bit):
                        by_rule[rule] = by_rule.get(rule, 0) + n
        else:
            row = CandidateRow._make(candidate)
            found_rows.append((n, row))
            if rate_value is not None:
                rates[row.organisation_id] = rate_value
    # UNION ALL promises no order: restore the window's.
    found_rows.sort(key=lambda r: (-r[0], r[1].unit_id, r[1].bed_type_code))
    return Survey(considered_n, excluded, {r: by_rule[r] for r in Rule if r in by_rule},
                  start, [(row.unit_id, row.bed_type_code) for _, row in found_rows],
                  [float(value) for value, _ in found_rows], rates,
                  [row for _, row in found_rows])


def excluded_rows(session: Session, need: Need, found: Rules, rule: Rule | None,
                  offset: int, limit: int) -> list[CandidateRow]:
    """Excluded rows (breaking `rule`, or any rule), nearest to the patient first."""
    km = distance_sql(need, Location.latitude, Location.longitude)
    order: list[Any] = [] if km is None else [
        case((km.is_(None), 1), else_=0), km]
    statement = (
        considered(need.bed_types, *CANDIDATE_COLUMNS)
        .where(found.broken[rule] if rule is not None else found.any)
        .order_by(*order, UnitBedType.unit_id, UnitBedType.bed_type_code)
        .offset(offset).limit(limit)
    )
    return [CandidateRow._make(row) for row in session.execute(statement)]
