"""Current bed availability as HL7 SANER MeasureReports (export).

One report per care unit (subject ``Location/unit-{id}``, reporter its organisation), one
group per bed type; and aggregates over a region (subject ``Location/region-{id}``) or the
whole tower (``Location/region``), whose ``evaluatedResource`` names every unit report the
sums were built from. Counts per group (docs/integrations.md):

- numTotBeds = staffed beds; numTotBedsOcc = staffed − available (patients + blocked + held);
  numTotBedsAvail = available (staffed − occupied − blocked − held), so the SANER rule
  avail = total − occupied holds;
- our own populations give the break-down: ``occupied`` (patients), ``blocked``, ``held``.

A bed type never reported has every count absent with data-absent-reason ``unknown``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import BedState
from verkeerstoren.interop.fhir import codes
from verkeerstoren.interop.fhir.directory import Resource, instant
from verkeerstoren.registry.models import BedType, CareUnit, Gemeente, Location, Region


@dataclass(frozen=True)
class Counts:
    staffed: int
    occupied: int
    blocked: int
    held: int

    @property
    def available(self) -> int:
        return self.staffed - self.occupied - self.blocked - self.held

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.staffed + other.staffed, self.occupied + other.occupied,
                      self.blocked + other.blocked, self.held + other.held)


@dataclass(frozen=True)
class Row:
    unit_id: int
    unit: str
    organisation_id: int
    bed_type: str
    counts: Counts | None  # None: never reported
    reported_at: datetime | None


def _population(code: str, count: int | None) -> dict[str, Any]:
    if code in codes.POPULATION_TYPE:
        system, kind = codes.POPULATION_TYPE[code]
        coding = [{"system": codes.MEASURED, "code": code}, {"system": system, "code": kind}]
    else:
        coding = [{"system": codes.POPULATION_CODES, "code": code}]
    population: dict[str, Any] = {"code": {"coding": coding,
                                           "text": codes.POPULATION_TEXT[code]}}
    if count is None:
        population["_count"] = {"extension": [{"url": codes.DATA_ABSENT,
                                               "valueCode": "unknown"}]}
    else:
        population["count"] = count
    return population


def group(bed_type: str, bed_type_name: str, counts: Counts | None) -> dict[str, Any]:
    """The SANER Beds group of one bed type."""
    values: dict[str, int | None] = dict.fromkeys(
        (codes.TOTAL, codes.OCCUPIED, codes.AVAILABLE, codes.PATIENTS, codes.BLOCKED,
         codes.HELD))
    if counts is not None:
        values = {codes.TOTAL: counts.staffed, codes.OCCUPIED: counts.staffed - counts.available,
                  codes.AVAILABLE: counts.available, codes.PATIENTS: counts.occupied,
                  codes.BLOCKED: counts.blocked, codes.HELD: counts.held}
    return {
        "code": {"coding": [{"system": codes.GROUP_SYSTEM, "code": "Beds", "display": "Beds"},
                            {"system": codes.BED_TYPE_SYSTEM, "code": bed_type,
                             "display": bed_type_name}],
                 "text": bed_type_name},
        "population": [_population(code, value) for code, value in values.items()],
    }


def _report(report_id: str, subject: dict[str, str], groups: list[dict[str, Any]],
            now: datetime, since: datetime | None,
            reporter: str | None = None) -> Resource:
    return {
        "resourceType": "MeasureReport", "id": report_id,
        "meta": {"profile": [codes.SANER_PROFILE]},
        "status": "complete", "type": "summary", "measure": codes.SANER_MEASURE,
        "subject": subject, "date": instant(now),
        **({"reporter": {"reference": reporter}} if reporter else {}),
        "period": {"start": instant(since or now), "end": instant(now)},
        "group": groups,
    }


def rows(session: Session, *, unit_ids: Iterable[int] | None = None,
         organisation_id: int | None = None, region_id: int | None = None) -> list[Row]:
    """The current counts of every active unit's bed types (None where never reported)."""
    stmt = (select(CareUnit.id, CareUnit.name, CareUnit.organisation_id, BedState)
            .join(BedState, BedState.unit_id == CareUnit.id)
            .join(Location, Location.id == CareUnit.location_id)
            .where(CareUnit.active.is_(True))
            .order_by(CareUnit.id, BedState.bed_type_code))
    if unit_ids is not None:
        stmt = stmt.where(CareUnit.id.in_(list(unit_ids)))
    if organisation_id is not None:
        stmt = stmt.where(CareUnit.organisation_id == organisation_id)
    if region_id is not None:
        stmt = stmt.join(Gemeente, Gemeente.code == Location.gemeente_code).where(
            Gemeente.region_id == region_id)
    found = []
    for unit_id, name, org_id, state in session.execute(stmt):
        counts = (Counts(state.staffed, state.occupied, state.blocked, state.held)
                  if state.reported_at is not None else None)
        found.append(Row(unit_id, name, org_id, state.bed_type_code, counts, state.reported_at))
    return found


def _names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(BedType.code, BedType.name)).all())


def unit_reports(session: Session, found: list[Row], now: datetime) -> list[Resource]:
    """One MeasureReport per unit, groups in bed-type order."""
    names = _names(session)
    by_unit: dict[int, list[Row]] = defaultdict(list)
    for row in found:
        by_unit[row.unit_id].append(row)
    reports = []
    for unit_id, unit_rows in by_unit.items():
        times = [r.reported_at for r in unit_rows if r.reported_at is not None]
        first = unit_rows[0]
        reports.append(_report(
            f"unit-{unit_id}", {"reference": f"Location/unit-{unit_id}", "display": first.unit},
            [group(r.bed_type, names.get(r.bed_type, r.bed_type), r.counts) for r in unit_rows],
            now, min(times) if times else None, f"Organization/{first.organisation_id}"))
    return reports


def aggregate(session: Session, region_id: int | None, now: datetime) -> Resource:
    """The sums of a region's (or, with None, every) unit per bed type; ``evaluatedResource``
    names each unit report that was summed (bed types nobody reported stay absent)."""
    found = rows(session, region_id=region_id)
    names = _names(session)
    sums: dict[str, Counts] = {}
    for row in found:
        if row.counts is not None:
            sums[row.bed_type] = sums[row.bed_type] + row.counts if row.bed_type in sums \
                else row.counts
    order = list(names)
    groups = [group(code, names.get(code, code), sums[code])
              for code in sorted(sums, key=lambda c: order.index(c) if c in order else 99)]
    region = session.get(Region, region_id) if region_id is not None else None
    report_id = f"region-{region_id}" if region_id is not None else "region"
    times = [r.reported_at for r in found if r.reported_at is not None]
    report = _report(report_id, {"reference": f"Location/{report_id}",
                                 "display": region.name if region else "All regions"},
                     groups, now, min(times) if times else None)
    evaluated = sorted({r.unit_id for r in found if r.counts is not None})
    if evaluated:
        report["evaluatedResource"] = [{"reference": f"MeasureReport/unit-{u}"}
                                       for u in evaluated]
    return report
