"""The live regional board: current availability of every unit and bed type, filtered."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.freshness import age_hours, is_stale
from verkeerstoren.capacity.models import BedState
from verkeerstoren.capacity.schemas import Board, BoardRow, BoardTotal
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
    now = now or utcnow()
    stmt = (
        select(
            UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds,
            CareUnit.name, CareUnit.phone, CareUnit.organisation_id, Organisation.name,
            Location.name, Location.gemeente_code, Gemeente.name, Location.wijk_code,
            Location.latitude, Location.longitude, BedType.name, BedType.max_report_age_hours,
            BedType.sort_order,
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
    result = session.execute(stmt).all()
    unit_ids = {r[0] for r in result}
    features: dict[int, list[str]] = defaultdict(list)
    if unit_ids:
        for unit_id, code in session.execute(
            select(unit_feature.c.unit_id, unit_feature.c.feature_code).where(
                unit_feature.c.unit_id.in_(unit_ids)
            )
        ):
            features[unit_id].append(code)

    rows: list[tuple[int, BoardRow]] = []
    for (unit_id, code, physical, unit, phone, org_id, org, location, gm_code, gm_name, wijk,
         lat, lon, bt_name, max_age, sort_order, reported_at, s_physical, staffed, occupied,
         blocked, held, expected_free, remark) in result:
        stale = is_stale(reported_at, max_age, now)
        staffed = staffed or 0
        occupied = occupied or 0
        blocked = blocked or 0
        held = held or 0
        available = staffed - occupied - blocked - held
        if flt.fresh_only and stale:
            continue
        if flt.available_only and available <= 0:
            continue
        # model_construct: every value comes typed from the database, and validating
        # thousands of rows per request dominated the board's response time.
        rows.append((sort_order, BoardRow.model_construct(
            unit_id=unit_id, unit=unit, organisation_id=org_id, organisation=org,
            location=location, gemeente_code=gm_code, gemeente=gm_name, wijk_code=wijk,
            latitude=lat, longitude=lon, bed_type_code=code, bed_type=bt_name,
            features=sorted(features.get(unit_id, [])),
            physical=s_physical if s_physical is not None else physical, staffed=staffed,
            occupied=occupied, blocked=blocked, held=held, available=available,
            expected_free_date=expected_free, remark=remark, reported_at=reported_at,
            age_hours=age_hours(reported_at, now), stale=stale, phone=phone,
        )))
    # Fresh availability first; stale figures cannot be trusted for a placement.
    rows.sort(key=lambda r: (r[1].stale, -r[1].available, r[0], r[1].gemeente, r[1].unit))
    ordered = [r for _, r in rows]
    return Board(
        rows=ordered,
        totals_by_bed_type=_totals(ordered, lambda r: (r.bed_type_code, r.bed_type)),
        totals_by_gemeente=_totals(ordered, lambda r: (r.gemeente_code, r.gemeente)),
        generated_at=now,
    )


def _totals(
    rows: list[BoardRow], key: Callable[[BoardRow], tuple[str, str]]
) -> list[BoardTotal]:
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        k = key(row)
        acc = sums.setdefault(k, [0, 0, 0])
        acc[0] += row.staffed
        acc[1] += max(row.available, 0)
        acc[2] += 0 if row.stale else max(row.available, 0)
    return [
        BoardTotal(key=k[0], label=k[1], staffed=v[0], available=v[1], fresh_available=v[2])
        for k, v in sorted(sums.items(), key=lambda item: item[0][1])
    ]
