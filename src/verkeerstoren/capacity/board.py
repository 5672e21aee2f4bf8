"""The live regional board: current availability of every unit and bed type, filtered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.freshness import age_hours
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
    extra: dict[str, str] = field(default_factory=dict)


def board(session: Session, flt: BoardFilter, *, now: datetime | None = None) -> Board:
    """Every registered unit × bed type with its current state (zeros when never reported)."""
    return board_until(session, flt, now=now or utcnow())[0]


def board_until(session: Session, flt: BoardFilter, *, now: datetime) -> tuple[Board, datetime]:
    """The board, and the moment its first fresh figure turns stale (for a cache's expiry)."""
    # The unit's features as one "a,b" string from a correlated subquery: one round trip,
    # instead of a second query with an IN list of every unit on the board.
    features = (
        select(func.aggregate_strings(unit_feature.c.feature_code, ","))
        .where(unit_feature.c.unit_id == CareUnit.id)
        .scalar_subquery()
    )
    stmt = (
        select(
            UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds,
            CareUnit.name, CareUnit.phone, CareUnit.organisation_id, Organisation.name,
            Location.name, Location.gemeente_code, Gemeente.name, Location.wijk_code,
            Location.latitude, Location.longitude, BedType.name, BedType.max_report_age_hours,
            BedType.sort_order, features,
            # Columns, not the BedState entity: building thousands of ORM objects per board
            # request cost more than the query itself (bench/capacity.py).
            BedState.reported_at, BedState.physical, BedState.staffed, BedState.occupied,
            BedState.blocked, BedState.held, BedState.expected_free_date, BedState.remark,
        )
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

    rows: list[tuple[bool, int, int, str, str, dict[str, Any]]] = []
    max_ages: dict[int, timedelta] = {}
    turns_stale = datetime.max.replace(tzinfo=UTC)
    for (unit_id, code, physical, unit, phone, org_id, org, location, gm_code, gm_name, wijk,
         lat, lon, bt_name, max_age, sort_order, feature_codes, reported_at, s_physical,
         staffed, occupied, blocked, held, expected_free, remark) in session.execute(stmt):
        limit = max_ages.get(max_age)
        if limit is None:
            limit = max_ages[max_age] = timedelta(hours=max_age)
        # Same rule as freshness.is_stale, inlined: this loop runs for every board row.
        stale = reported_at is None or now - reported_at > limit
        if not stale and reported_at + limit < turns_stale:
            turns_stale = reported_at + limit
        staffed = staffed or 0
        occupied = occupied or 0
        blocked = blocked or 0
        held = held or 0
        available = staffed - occupied - blocked - held
        if flt.fresh_only and stale:
            continue
        if flt.available_only and available <= 0:
            continue
        rows.append((stale, -available, sort_order, gm_name, unit, {
            "unit_id": unit_id, "unit": unit, "organisation_id": org_id, "organisation": org,
            "location": location, "gemeente_code": gm_code, "gemeente": gm_name,
            "wijk_code": wijk, "latitude": lat, "longitude": lon, "bed_type_code": code,
            "bed_type": bt_name,
            "features": sorted(feature_codes.split(",")) if feature_codes else [],
            "physical": s_physical if s_physical is not None else physical,
            "staffed": staffed, "occupied": occupied, "blocked": blocked, "held": held,
            "available": available, "expected_free_date": expected_free, "remark": remark,
            "reported_at": reported_at, "age_hours": age_hours(reported_at, now),
            "stale": stale, "phone": phone,
        }))
    # Fresh availability first; stale figures cannot be trusted for a placement.
    rows.sort(key=lambda r: r[:5])
    ordered = [r[5] for r in rows]
    # One validation of the whole board: pydantic-core builds the rows several times faster
    # than a Python-level model_construct per row.
    return Board.model_validate({
        "rows": ordered,
        "totals_by_bed_type": _totals(ordered, "bed_type_code", "bed_type"),
        "totals_by_gemeente": _totals(ordered, "gemeente_code", "gemeente"),
        "generated_at": now,
    }), turns_stale


def _totals(rows: list[dict[str, Any]], key: str, label: str) -> list[dict[str, Any]]:
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        acc = sums.setdefault((row[key], row[label]), [0, 0, 0])
        free = max(row["available"], 0)
        acc[0] += row["staffed"]
        acc[1] += free
        acc[2] += 0 if row["stale"] else free
    return [
        {"key": k[0], "label": k[1], "staffed": v[0], "available": v[1], "fresh_available": v[2]}
        for k, v in sorted(sums.items(), key=lambda item: item[0][1])
    ]
