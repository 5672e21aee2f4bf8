"""SANER MeasureReports in: map each Beds group to one report of the capacity capability.

The checks here are FHIR's and SANER's (structure, codes, the subject, counts or a
data-absent reason, ``date`` to the second); what follows is the capacity service's own
:func:`~verkeerstoren.capacity.service.submit_reports`, so the counts meet the same rules,
all or nothing, with the same audit entry as a report through any other channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.scoping import across_organisations
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.interop.fhir import codes
from verkeerstoren.interop.fhir.outcome import FhirProblem, Issue, invalid
from verkeerstoren.registry.models import BedType, CareUnit

SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ABSENT = object()  # a count given as absent with a data-absent reason
MAX_GROUPS = 200
FUTURE = timedelta(minutes=5)


@dataclass(frozen=True)
class Parsed:
    """Reports read from one MeasureReport, with the element each one came from."""

    reports: list[ReportIn]
    paths: list[str]  # MeasureReport.group[i] of each report
    date: datetime
    organisations: set[int]


def _units(session: Session, subject: Any, where: str) -> tuple[list[CareUnit], bool]:
    """The care units a subject names, and whether it was one of ours (else: foreign)."""
    reference = subject.get("reference") if isinstance(subject, dict) else None
    identifier = subject.get("identifier") if isinstance(subject, dict) else None
    if isinstance(identifier, dict) and identifier.get("system") == codes.UNIT_ID:
        reference = f"Location/unit-{identifier.get('value')}"
    if not isinstance(reference, str):
        raise invalid(where, "the subject must be a reference to a Location", "required")
    if not reference.startswith("Location/"):
        # An absolute reference is another server's Location (federation); anything else
        # is not a Location at all.
        if re.match(r"^https?://.+/Location/[A-Za-z0-9\-.]{1,64}$", reference):
            return [], False
        raise invalid(where, "the subject must be a reference to a Location", "invalid")
    found = re.fullmatch(r"Location/(unit|site)-(\d{1,9})", reference)
    if found is None:
        return [], False
    kind, number = found.group(1), int(found.group(2))
    # Another organisation's unit must be told apart from an unknown one (403, not 422).
    with across_organisations(session):
        stmt = select(CareUnit).where(CareUnit.active.is_(True))
        stmt = stmt.where(CareUnit.id == number if kind == "unit"
                          else CareUnit.location_id == number)
        units = list(session.scalars(stmt))
    if not units:
        raise invalid(where, f"{reference} is not an active care unit or site of this tower",
                      "not-found")
    return units, bool(units)


def _count(population: dict[str, Any], where: str) -> int | object:
    count = population.get("count")
    if count is None:
        reasons = population.get("_count", {}).get("extension", []) if isinstance(
            population.get("_count"), dict) else []
        if any(isinstance(e, dict) and e.get("url") == codes.DATA_ABSENT for e in reasons):
            return ABSENT
        raise invalid(f"{where}.count", "a count must have a value or a data-absent reason",
                      "required")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 10_000:
        raise invalid(f"{where}.count", "a count is a whole number from 0 to 10000")
    return count


def _codes(concept: Any, where: str) -> list[tuple[str, str]]:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(codings, list) or not codings:
        raise invalid(where, "a code with at least one coding is required", "required")
    return [(str(c.get("system", "")), str(c.get("code", ""))) for c in codings
            if isinstance(c, dict)]


def _group(session: Session, index: int, data: Any, units: list[CareUnit],
           bed_types: set[str]) -> tuple[ReportIn, int]:
    where = f"MeasureReport.group[{index}]"
    if not isinstance(data, dict):
        raise invalid(where, "a group must be an object", "structure")
    coded = _codes(data.get("code"), f"{where}.code")
    if (codes.GROUP_SYSTEM, "Beds") not in coded:
        raise invalid(f"{where}.code", f"unknown group code: expected {codes.GROUP_SYSTEM}#Beds",
                      "code-invalid")
    types = [c for s, c in coded if s == codes.BED_TYPE_SYSTEM]
    offered = sorted({b.bed_type_code for u in units for b in u.bed_types})
    if types:
        bed_type = types[0]
        if bed_type not in bed_types:
            raise invalid(f"{where}.code", f"unknown bed type code '{bed_type}'", "code-invalid")
    elif len(offered) == 1:
        bed_type = offered[0]  # a subject with one bed type needs no bed-type coding
    else:
        raise invalid(f"{where}.code", f"the group needs a {codes.BED_TYPE_SYSTEM} coding: "
                      f"this subject has beds of types {', '.join(offered) or 'none'}",
                      "required")
    holders = [u for u in units if any(b.bed_type_code == bed_type for b in u.bed_types)]
    if len(holders) != 1:
        raise invalid(f"{where}.code", f"the subject has {len(holders)} units with beds of type "
                      f"'{bed_type}'; report per unit (Location/unit-{{id}})", "business-rule")
    values: dict[str, int | object] = {}
    populations = data.get("population")
    if not isinstance(populations, list) or not populations:
        raise invalid(f"{where}.population", "the Beds group needs its populations", "required")
    for number, population in enumerate(populations):
        here = f"{where}.population[{number}]"
        if not isinstance(population, dict):
            raise invalid(here, "a population must be an object", "structure")
        found = [c for s, c in _codes(population.get("code"), f"{here}.code")
                 if (s == codes.MEASURED and c in codes.SANER_POPULATIONS)
                 or (s == codes.POPULATION_CODES and c in (codes.PATIENTS, codes.BLOCKED,
                                                           codes.HELD))]
        if not found:
            raise invalid(f"{here}.code", "unknown population code (expected numTotBeds, "
                          "numTotBedsOcc or numTotBedsAvail)", "code-invalid")
        values[found[0]] = _count(population, here)
    return _report(holders[0].id, bed_type, values, where)


def _report(unit_id: int, bed_type: str, values: dict[str, int | object],
            where: str) -> tuple[ReportIn, int]:
    """The report, and the beds the sender says are held by reservations in its own tower."""
    def known(code: str) -> int | None:
        value = values.get(code, ABSENT)
        return value if isinstance(value, int) else None

    total, occupied, available = (known(codes.TOTAL), known(codes.OCCUPIED),
                                  known(codes.AVAILABLE))
    if total is None and occupied is not None and available is not None:
        total = occupied + available
    if occupied is None and total is not None and available is not None:
        occupied = total - available
    if total is None or occupied is None:
        raise invalid(f"{where}.population", "numTotBeds and numTotBedsOcc are needed (one of "
                      "them may be absent when numTotBedsAvail is given)", "required")
    if available is not None and available != total - occupied:
        raise invalid(f"{where}.population", f"numTotBedsAvail ({available}) must equal "
                      f"numTotBeds - numTotBedsOcc ({total} - {occupied})", "business-rule")
    blocked = known(codes.BLOCKED) or 0
    patients = known(codes.PATIENTS)
    # Our own export counts held beds in numTotBedsOcc; they are this tower's reservations,
    # which the capacity service adds itself, so the patient count is what is reported.
    beds_in_use = patients if patients is not None else occupied - blocked
    try:
        return ReportIn(unit_id=unit_id, bed_type_code=bed_type, staffed=total,
                        occupied=max(beds_in_use, 0), blocked=blocked), known(codes.HELD) or 0
    except ValidationError:
        raise invalid(f"{where}.population", f"numTotBedsOcc ({occupied}) exceeds numTotBeds "
                      f"({total})", "business-rule") from None


def _date(report: dict[str, Any], now: datetime) -> datetime:
    text = report.get("date")
    if not isinstance(text, str) or not SECONDS.match(text):
        raise invalid("MeasureReport.date", "date is required, precise to the second, with a "
                      "time zone (e.g. 2026-12-04T09:30:00+01:00)", "required")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    if moment > now + FUTURE:
        raise invalid("MeasureReport.date", "date lies in the future", "business-rule")
    return moment


def parse(session: Session, report: Any, now: datetime, *,
          federated: int | None = None) -> tuple[Parsed, list[CareUnit]]:
    """Read one MeasureReport; raises FhirProblem naming the first element that is wrong.

    ``federated``: the organisation whose units take a report on another tower's Location
    (a pull from another region): each group goes to that organisation's one unit with beds
    of the group's type. Without it, the subject must be one of our Locations.
    """
    if not isinstance(report, dict) or report.get("resourceType") != "MeasureReport":
        raise invalid("resourceType", "expected a MeasureReport", "structure")
    if report.get("status") != "complete":
        raise invalid("MeasureReport.status", "status must be 'complete'", "value")
    if report.get("type") != "summary":
        raise invalid("MeasureReport.type", "type must be 'summary'", "value")
    if not isinstance(report.get("measure"), str) or not report["measure"]:
        raise invalid("MeasureReport.measure", "measure is required", "required")
    period = report.get("period")
    if not isinstance(period, dict) or not (period.get("start") or period.get("end")):
        raise invalid("MeasureReport.period", "period is required", "required")
    moment = _date(report, now)
    units, ours = _units(session, report.get("subject"), "MeasureReport.subject")
    if not ours:
        if federated is None:
            raise invalid("MeasureReport.subject", "the subject is not a Location of this "
                          "tower (Location/unit-{id} or Location/site-{id})", "not-found")
        units = list(session.scalars(select(CareUnit).where(
            CareUnit.organisation_id == federated, CareUnit.active.is_(True))))
    groups = report.get("group")
    if not isinstance(groups, list) or not groups:
        raise invalid("MeasureReport.group", "at least one Beds group is required", "required")
    if len(groups) > MAX_GROUPS:
        raise invalid("MeasureReport.group", f"at most {MAX_GROUPS} groups", "too-costly")
    bed_types = set(session.scalars(select(BedType.code)))
    found = [_group(session, i, g, units, bed_types) for i, g in enumerate(groups)]
    parsed = [r for r, _ in found]
    if not ours:
        # The other tower's sum is this unit's size (it has no registered beds of its own),
        # and the beds held by reservations there are not free here either.
        parsed = [r.model_copy(update={"physical": r.staffed, "blocked": r.blocked + held})
                  for r, held in found]
    return (Parsed(parsed, [f"MeasureReport.group[{i}]" for i in range(len(groups))], moment,
                   {u.organisation_id for u in units}), units)


def problem_paths(parsed: Parsed) -> dict[tuple[int | None, str], str]:
    """Where each (row, field) of the capacity service's problems lies in the MeasureReport."""
    paths: dict[tuple[int | None, str], str] = {}
    for row, where in enumerate(parsed.paths, start=1):
        paths[(row, "")] = where
        paths[(row, "unit_id")] = "MeasureReport.subject"
        paths[(row, "staffed")] = f"{where}.population"
        paths[(row, "occupied")] = f"{where}.population"
    return paths


__all__ = ["FhirProblem", "Issue", "Parsed", "parse", "problem_paths"]
