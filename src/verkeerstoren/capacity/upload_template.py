"""The upload template: for a provider, one row per own unit and bed type, prefilled.

A template with an example row for unit 123 could not be filled in: a provider does not know
its units' ids. So a provider's template lists its own active units × bed types with the last
reported figures (a past expected-free date left out: the importer refuses it), plus two
read-only helper columns with the unit's and the bed type's names that the importer ignores
(:data:`importer.HELPER_COLUMNS`). Uploaded unchanged it is accepted as is. A user who reports
for every organisation (coordinator, admin) gets one example row instead of thousands.

The CSV is written like the exports (BOM, ``;``): what Dutch Excel opens in columns.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity import exports, importer
from verkeerstoren.capacity.models import BedState
from verkeerstoren.region_time import today as region_today
from verkeerstoren.registry.models import BedType, CareUnit, UnitBedType

HEADER = ("unit_id", "bed_type_code", *importer.HELPER_COLUMNS, "physical", "staffed",
          "occupied", "blocked", "blocked_reason", "expected_free_date", "remark")
EXAMPLE: list[object] = [123, "short_stay_high", "Voorbeeld: afdeling Zonnebloem",
                         "Voorbeeld: kortdurend verblijf hoog", 12, 10, 8, 1, "Renovatie",
                         None, None]


def rows(session: Session, actor: Actor, *, today: date | None = None) -> list[list[object]]:
    """The template's rows (in the order of :data:`HEADER`) for this user."""
    org_id = actor.scoped_organisation
    if org_id is None:
        return [list(EXAMPLE)]
    today = today or region_today()
    found = session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code, CareUnit.name, BedType.name,
               UnitBedType.physical_beds, BedState)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(BedType, BedType.code == UnitBedType.bed_type_code)
        .outerjoin(BedState, (BedState.unit_id == UnitBedType.unit_id)
                   & (BedState.bed_type_code == UnitBedType.bed_type_code))
        .where(CareUnit.organisation_id == org_id, CareUnit.active.is_(True))
        .order_by(CareUnit.name, CareUnit.id, BedType.sort_order, BedType.code)
    )
    out: list[list[object]] = []
    for unit_id, code, unit_name, type_name, physical, state in found:
        if state is None or state.reported_at is None:
            # Never reported: the figures are the provider's to fill in (a row without
            # figures is skipped on upload, see importer).
            out.append([unit_id, code, unit_name, type_name, physical, None, None, None, None,
                        None, None])
            continue
        free = state.expected_free_date
        out.append([unit_id, code, unit_name, type_name, state.physical, state.staffed,
                    state.occupied, state.blocked, state.blocked_reason,
                    free if free is not None and free >= today else None, state.remark])
    return out


def template_file(session: Session, actor: Actor, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the template in csv or xlsx."""
    return exports.table_file(list(HEADER), rows(session, actor), fmt, "beschikbaarheid")
