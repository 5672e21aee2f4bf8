"""EDXL-HAVE documents in and out, through the capacity capability's own rules.

Import: the document is parsed safely and validated against its version's schema
(:mod:`.documents`), read (:mod:`.reader`), and every reading becomes a report that
:func:`verkeerstoren.capacity.service.submit_reports` takes like any other channel's: the same
checks, organisation scoping, all-or-nothing rule and audit. Each facility's figures are
recorded at the document's own time (HAVE 2.0: the end of the reporting period; 1.0:
LastUpdateTime), so an old document shows as stale on the board exactly like an old report.

Decisions (docs/integrations-edxl.md):
- ``availableCount`` is the number of beds free for a new patient, net of the beds held by
  reservations in Verkeerstoren (what our export publishes, so a round trip keeps it).
- A negative ``availableCount`` (over capacity) is accepted as full: 0 available, and the
  overflow is kept in the report's remark. Refusing it would leave an older, rosier figure on
  the board exactly when a provider is overflowing.
- A figure older than the one already on the board is refused (it would overwrite newer news).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren import validation
from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity.models import BedState, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.capacity.service import submit_reports
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.interop.edxl import documents, reader
from verkeerstoren.interop.edxl.documents import HaveVersion
from verkeerstoren.interop.edxl.mapping import have1_category
from verkeerstoren.interop.edxl.reader import Reading
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage.base import utcnow

STALE_AFTER = timedelta(hours=24)
# Clocks differ; a document a few minutes "ahead" is still today's news.
CLOCK_SKEW = timedelta(minutes=5)

# Our report fields -> the element that carried them, per version (for problems).
_ELEMENTS = {
    HaveVersion.V2: {"unit_id": "facilityID", "staffed": "baselineCount",
                     "occupied": "availableCount", "bed_type_code": "serviceType"},
    HaveVersion.V1: {"unit_id": "OrganizationID", "staffed": "BaselineCount",
                     "occupied": "AvailableCount", "bed_type_code": "BedType"},
}


@dataclass(frozen=True)
class StaleReport:
    unit_id: int
    bed_type_code: str
    reported_at: datetime
    age_hours: float


@dataclass(frozen=True)
class ImportResult:
    version: HaveVersion
    accepted: int
    stale: list[StaleReport] = field(default_factory=list)
    over_capacity: int = 0


def import_document(session: Session, actor: Actor, raw: bytes, source: ReportSource, *,
                    now: datetime | None = None) -> ImportResult:
    """Record an EDXL-HAVE document's figures all or nothing; raises ValidationErrors naming
    the element and line of every problem, and then writes nothing."""
    now = now or utcnow()
    document = documents.parse(raw)
    readings = reader.read(document)
    names = _ELEMENTS[document.version]
    unit_types = _unit_bed_types(session, {r.unit_id for r in readings})
    problems: list[ValidationProblem] = []
    resolved: list[tuple[Reading, str]] = []
    for reading in readings:
        try:
            resolved.append((reading, _bed_type(reading, unit_types)))
        except ValidationProblem as problem:
            problems.append(problem)
    states = _states(session, {(r.unit_id, code) for r, code in resolved})
    seen: set[tuple[int, str]] = set()
    groups: dict[datetime, list[tuple[int, ReportIn]]] = defaultdict(list)
    stale: list[StaleReport] = []
    over = 0
    for reading, code in resolved:
        key = (reading.unit_id, code)
        if key in seen:
            problems.append(ValidationProblem(
                names["bed_type_code"], "the same unit and bed type appear twice",
                row=reading.line))
            continue
        seen.add(key)
        held, current = states.get(key, (0, None))
        found = _time_problem(reading, current, now, document.version)
        if found is not None:
            # One problem per facility's time, not one per service under it.
            if all(str(p) != str(found) for p in problems):
                problems.append(found)
            continue
        try:
            report = _report(reading, code, held, names)
        except ValidationProblem as problem:
            problems.append(problem)
            continue
        over += reading.available < 0
        groups[reading.reported_at].append((reading.line, report))
        if now - reading.reported_at > STALE_AFTER:
            stale.append(StaleReport(reading.unit_id, code, reading.reported_at,
                                     round((now - reading.reported_at).total_seconds() / 3600,
                                           1)))
    if problems:
        raise ValidationErrors(problems)
    accepted = 0
    # One savepoint around every group: a problem in a later facility undoes the earlier ones.
    with session.begin_nested():
        for moment in sorted(groups):
            rows = groups[moment]
            try:
                accepted += submit_reports(session, actor, [r for _, r in rows], source,
                                           now=moment, row_numbers=[n for n, _ in rows])
            except ValidationErrors as exc:
                problems.extend(_renamed(p, names) for p in exc.problems)
        if problems:
            raise ValidationErrors(problems)
    return ImportResult(document.version, accepted, stale, over)


def _renamed(problem: ValidationProblem, names: dict[str, str]) -> ValidationProblem:
    return ValidationProblem(names.get(problem.field, problem.field), problem.message,
                             row=problem.row, params=problem.params)


def _unit_bed_types(session: Session, unit_ids: set[int]) -> dict[int, list[str]]:
    """Each unit's bed types (an edit context sees only the actor's own units; another
    organisation's unit is then refused by submit_reports, or has no bed types here)."""
    found: dict[int, list[str]] = defaultdict(list)
    if unit_ids:
        rows = session.execute(
            select(UnitBedType.unit_id, UnitBedType.bed_type_code)
            .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
            .where(UnitBedType.unit_id.in_(sorted(unit_ids)), CareUnit.active.is_(True)))
        for unit_id, code in rows:
            found[unit_id].append(code)
    return found


def _states(session: Session, keys: set[tuple[int, str]]
            ) -> dict[tuple[int, str], tuple[int, datetime | None]]:
    """(held, reported_at) of each unit and bed type's current figure."""
    if not keys:
        return {}
    unit_ids = sorted({k[0] for k in keys})
    rows = session.execute(
        select(BedState.unit_id, BedState.bed_type_code, BedState.held, BedState.reported_at)
        .where(BedState.unit_id.in_(unit_ids)))
    return {(u, c): (held, at) for u, c, held, at in rows if (u, c) in keys}


def _bed_type(reading: Reading, unit_types: dict[int, list[str]]) -> str:
    if reading.bed_type_code is not None:
        return reading.bed_type_code
    assert reading.category is not None
    codes = [c for c in unit_types.get(reading.unit_id, []) if have1_category(c) ==
             reading.category]
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise ValidationProblem(
            "BedType", "unit {unit} has no bed type that HAVE 1.0 calls {category}",
            row=reading.line, params={"unit": reading.unit_id, "category": reading.category})
    raise ValidationProblem(
        "BedType", "unit {unit} has several bed types that HAVE 1.0 calls {category} "
        "({codes}); report them with EDXL-HAVE 2.0, which names each of our bed types",
        row=reading.line, params={"unit": reading.unit_id, "category": reading.category,
                                  "codes": ", ".join(sorted(codes))})


def _time_problem(reading: Reading, current: datetime | None, now: datetime,
                  version: HaveVersion) -> ValidationProblem | None:
    element = "toDateTime" if version is HaveVersion.V2 else "LastUpdateTime"
    if reading.reported_at > now + CLOCK_SKEW:
        return ValidationProblem(element, "the report time {at} lies in the future",
                                 row=reading.time_line,
                                 params={"at": reading.reported_at.isoformat()})
    # Documents state their time to the second (our own export too): compare at that grain.
    if current is not None and reading.reported_at < current.replace(microsecond=0):
        return ValidationProblem(
            element, "unit {unit} already has newer figures (reported {current}) than this "
            "document ({at})", row=reading.time_line,
            params={"unit": reading.unit_id, "current": current.isoformat(),
                    "at": reading.reported_at.isoformat()})
    return None


def _report(reading: Reading, code: str, held: int, names: dict[str, str]) -> ReportIn:
    """Our report of one reading: staffed = baseline, available = the sent count (0 when the
    service is not accepting or over capacity), the rest occupied."""
    available = max(0, reading.available) if reading.accepting else 0
    occupied = reading.baseline - available - held
    if occupied < 0:
        raise ValidationProblem(
            names["occupied"], "{available} available plus {held} bed(s) held by reservations "
            "exceed the {baseline} beds of the baseline count", row=reading.line,
            params={"available": available, "held": held, "baseline": reading.baseline})
    notes: list[str] = []
    if reading.available < 0:
        notes.append(f"EDXL-HAVE: over capacity by {-reading.available}")
    if reading.additional_24h:
        notes.append(f"EDXL-HAVE: {reading.additional_24h} more within 24 h")
    if reading.additional_72h:
        notes.append(f"EDXL-HAVE: {reading.additional_72h} more within 72 h")
    try:
        return ReportIn(unit_id=reading.unit_id, bed_type_code=code, staffed=reading.baseline,
                        occupied=occupied, blocked=0, remark="; ".join(notes) or None)
    except ValidationError as exc:
        problems = validation.problems(exc, row=reading.line)
        raise _renamed(problems[0], names) from None
