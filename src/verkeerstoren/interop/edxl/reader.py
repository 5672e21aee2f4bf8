"""A valid EDXL-HAVE document as readings: one per facility (care unit) and service (bed type).

Only structure and values are read here (no database): :mod:`.service` resolves HAVE 1.0 bed
categories to our bed types, applies the holds and submits the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.interop.edxl.documents import (
    CT_NAMESPACE,
    NAMESPACES,
    Document,
    HaveVersion,
)
from verkeerstoren.interop.edxl.mapping import BED_TYPE_LIST


@dataclass(frozen=True)
class Reading:
    """One service of one facility as the document states it."""

    line: int
    unit_id: int
    bed_type_code: str | None  # None in HAVE 1.0: resolved from ``category``
    category: str | None  # HAVE 1.0 BedType
    available: int  # as sent; negative when over capacity
    accepting: bool  # isAvailable and availability Open / CapacityStatus Vacant/Available
    baseline: int
    reported_at: datetime
    time_line: int
    additional_24h: int | None = None
    additional_72h: int | None = None


def _child(element: etree._Element, namespace: str, name: str) -> etree._Element:
    found = element.find(f"{{{namespace}}}{name}")
    assert found is not None  # the schema made it required
    return found


def _text(element: etree._Element, namespace: str, name: str) -> str:
    return (_child(element, namespace, name).text or "").strip()


def _optional_int(element: etree._Element, namespace: str, name: str) -> int | None:
    found = element.find(f"{{{namespace}}}{name}")
    return int((found.text or "").strip()) if found is not None else None


def _time(element: etree._Element, field: str) -> datetime:
    text = (element.text or "").strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationProblem(field, "{value} is not a date and time this server can read",
                                row=element.sourceline, params={"value": text[:40]}) from None
    if moment.tzinfo is None:
        raise ValidationProblem(field, "the time {value} has no time zone (add Z or +01:00)",
                                row=element.sourceline, params={"value": text[:40]})
    return moment


def read(document: Document) -> list[Reading]:
    """The readings of a schema-valid document; raises ValidationErrors for what the schema
    cannot say (a time without a zone, a value list we do not know)."""
    problems: list[ValidationProblem] = []
    readings: list[Reading] = []
    reader = _read_v2 if document.version is HaveVersion.V2 else _read_v1
    for facility in document.root:
        try:
            readings.extend(reader(facility))
        except ValidationProblem as problem:
            problems.append(problem)
        except ValidationErrors as errors:
            problems.extend(errors.problems)
    if problems:
        raise ValidationErrors(problems)
    return readings


def _read_v2(facility: etree._Element) -> list[Reading]:
    ns = NAMESPACES[HaveVersion.V2]
    info = _child(facility, ns, "facilityInformation")
    unit_id = int(_text(info, ns, "facilityID"))
    period_end = _child(_child(facility, ns, "reportingPeriod"), CT_NAMESPACE, "toDateTime")
    reported_at = _time(period_end, "toDateTime")
    problems: list[ValidationProblem] = []
    readings: list[Reading] = []
    for item in _child(facility, ns, "serviceList"):
        service_type = _child(item, ns, "serviceType")
        value_list = _text(service_type, CT_NAMESPACE, "ValueListURI")
        values = service_type.findall(f"{{{CT_NAMESPACE}}}Value")
        if value_list != BED_TYPE_LIST or len(values) != 1:
            problems.append(ValidationProblem(
                "serviceType", "serviceType must name one bed type from the value list {list}",
                row=service_type.sourceline, params={"list": BED_TYPE_LIST}))
            continue
        status = _child(item, ns, "serviceStatus")
        accepting = (_text(status, ns, "isAvailable") in ("true", "1")
                     and _text(status, ns, "availability") == "Open")
        readings.append(Reading(
            line=item.sourceline or 1, unit_id=unit_id,
            bed_type_code=(values[0].text or "").strip(), category=None,
            available=int(_text(status, ns, "availableCount")), accepting=accepting,
            baseline=int(_text(status, ns, "baselineCount")), reported_at=reported_at,
            time_line=period_end.sourceline or 1))
    if problems:
        raise ValidationErrors(problems)
    return readings


def _read_v1(hospital: etree._Element) -> list[Reading]:
    ns = NAMESPACES[HaveVersion.V1]
    info = _child(_child(hospital, ns, "Organization"), ns, "OrganizationInformation")
    unit_id = int(_text(info, ns, "OrganizationID"))
    updated = _child(hospital, ns, "LastUpdateTime")
    reported_at = _time(updated, "LastUpdateTime")
    readings: list[Reading] = []
    for bed in _child(hospital, ns, "HospitalBedCapacityStatus"):
        capacity = _child(bed, ns, "Capacity")
        readings.append(Reading(
            line=bed.sourceline or 1, unit_id=unit_id, bed_type_code=None,
            category=_text(bed, ns, "BedType"),
            available=int(_text(capacity, ns, "AvailableCount")),
            accepting=_text(capacity, ns, "CapacityStatus") != "NotAvailable",
            baseline=int(_text(capacity, ns, "BaselineCount")), reported_at=reported_at,
            time_line=updated.sourceline or 1,
            additional_24h=_optional_int(capacity, ns, "AdditionalCapacityCount24Hr"),
            additional_72h=_optional_int(capacity, ns, "AdditionalCapacityCount72Hr")))
    return readings
