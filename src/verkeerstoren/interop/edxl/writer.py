"""EDXL-HAVE documents of an organisation's current availability, built from the board.

One facility (2.0) or Hospital (1.0) per care unit, one service (2.0) or BedCapacity (1.0) per
bed type. ``availableCount`` is the board's available figure (staffed − occupied − blocked −
held: free for a new patient), ``baselineCount`` the staffed beds. The report time is the
unit's newest figure; a unit never reported is left out (HAVE has no "unknown" count).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from lxml import etree

from verkeerstoren.capacity.schemas import BoardRow
from verkeerstoren.interop.edxl.documents import CT_NAMESPACE, NAMESPACES, HaveVersion
from verkeerstoren.interop.edxl.mapping import BED_TYPE_LIST, have1_category


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _by_unit(rows: list[BoardRow]) -> dict[int, list[BoardRow]]:
    units: dict[int, list[BoardRow]] = defaultdict(list)
    for row in rows:
        if row.reported_at is not None:
            units[row.unit_id].append(row)
    return dict(sorted(units.items()))


def build(rows: list[BoardRow], version: HaveVersion) -> etree._Element:
    return _build_v2(rows) if version is HaveVersion.V2 else _build_v1(rows)


def _build_v2(rows: list[BoardRow]) -> etree._Element:
    have = NAMESPACES[HaveVersion.V2]
    nsmap = {"have": have, "ct": CT_NAMESPACE}

    def sub(parent: etree._Element, name: str, text: str | None = None,
            namespace: str = have) -> etree._Element:
        element = etree.SubElement(parent, f"{{{namespace}}}{name}", nsmap=nsmap)
        if text is not None:
            element.text = text
        return element

    root = etree.Element(f"{{{have}}}HAVE", nsmap=nsmap)
    for unit_id, unit_rows in _by_unit(rows).items():
        facility = sub(root, "facility")
        info = sub(facility, "facilityInformation")
        sub(info, "facilityID", str(unit_id))
        sub(info, "facilityName", f"{unit_rows[0].organisation} – {unit_rows[0].unit}"[:500])
        period = sub(facility, "reportingPeriod")
        newest = max(r.reported_at for r in unit_rows if r.reported_at is not None)
        sub(period, "toDateTime", _time(newest), CT_NAMESPACE)
        services = sub(facility, "serviceList")
        for row in unit_rows:
            item = sub(services, "serviceListItem")
            service_type = sub(item, "serviceType")
            sub(service_type, "ValueListURI", BED_TYPE_LIST, CT_NAMESPACE)
            sub(service_type, "Value", row.bed_type_code, CT_NAMESPACE)
            sub(item, "serviceName", row.bed_type[:500])
            status = sub(item, "serviceStatus")
            sub(status, "isAvailable", "true" if row.staffed > 0 else "false")
            sub(status, "availability", _availability(row))
            sub(status, "availableCount", str(row.available))
            sub(status, "baselineCount", str(row.staffed))
    return root


def _availability(row: BoardRow) -> str:
    if row.staffed == 0:
        return "Inactive"
    return "Open" if row.available > 0 else "Full"


def _build_v1(rows: list[BoardRow]) -> etree._Element:
    have = NAMESPACES[HaveVersion.V1]
    nsmap = {"have": have}

    def sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{have}}}{name}", nsmap=nsmap)
        if text is not None:
            element.text = text
        return element

    root = etree.Element(f"{{{have}}}HospitalStatus", nsmap=nsmap)
    for unit_id, unit_rows in _by_unit(rows).items():
        hospital = sub(root, "Hospital")
        info = sub(sub(hospital, "Organization"), "OrganizationInformation")
        sub(info, "OrganizationID", str(unit_id))
        sub(info, "OrganizationName",
            f"{unit_rows[0].organisation} – {unit_rows[0].unit}"[:500])
        # HAVE 1.0 has one entry per category: our bed types in one category are summed.
        sums: dict[str, list[int]] = {}
        for row in unit_rows:
            totals = sums.setdefault(have1_category(row.bed_type_code), [0, 0])
            totals[0] += row.available
            totals[1] += row.staffed
        status = sub(hospital, "HospitalBedCapacityStatus")
        for category, (available, staffed) in sums.items():
            bed = sub(status, "BedCapacity")
            sub(bed, "BedType", category)
            capacity = sub(bed, "Capacity")
            sub(capacity, "CapacityStatus",
                "Vacant/Available" if available > 0 else "NotAvailable")
            sub(capacity, "AvailableCount", str(available))
            sub(capacity, "BaselineCount", str(staffed))
        newest = max(r.reported_at for r in unit_rows if r.reported_at is not None)
        sub(hospital, "LastUpdateTime", _time(newest))
    return root
