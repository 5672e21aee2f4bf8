"""Independent checks of the FHIR we emit: the fhir.resources models (R4B, which shares R4's
structure for these resources) plus the rules of the published specifications that those
models do not enforce (code lists of R4, the SANER MeasureReport profile's rules).

Every resource checked is counted in ``VALIDATED`` (the figure issue 17 asks for).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

VALIDATED: Counter[str] = Counter()

# Code lists as published in FHIR R4 (hl7.org/fhir/R4), not taken from our code.
BED_STATUS = {"C", "H", "I", "K", "O", "U"}  # v2-0116
PHYSICAL_TYPES = {"si", "bu", "wi", "wa", "lvl", "co", "ro", "bd", "ve", "ho", "ca", "rd",
                  "area", "jdn"}
ORGANIZATION_TYPES = {"prov", "dept", "team", "govt", "ins", "pay", "edu", "reli", "crs",
                      "cg", "bus", "other"}
LOCATION_STATUS = {"active", "suspended", "inactive"}
REPORT_STATUS = {"complete", "pending", "error"}
REPORT_TYPES = {"individual", "subject-list", "summary", "data-collection"}
BUNDLE_LINK = re.compile(r"^https?://")
# SANER IG 1.0.0: MeasuredValues codes of the Beds group and its group code.
SANER_MEASURED = "http://hl7.org/fhir/uv/saner/CodeSystem/MeasuredValues"
SANER_GROUP = "http://hl7.org/fhir/uv/saner/CodeSystem/MeasureGroupSystem"
BED_POPULATIONS = ("numTotBeds", "numTotBedsOcc", "numTotBedsAvail")
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _codes(concept: dict[str, Any] | None) -> set[tuple[str, str]]:
    return {(c.get("system", ""), c.get("code", "")) for c in (concept or {}).get("coding", [])}


def saner(report: dict[str, Any]) -> None:
    """The SANER profile's rules for a bed-capacity MeasureReport."""
    assert report["status"] in REPORT_STATUS
    assert report["type"] in REPORT_TYPES
    assert report["subject"]["reference"].startswith("Location/"), report["subject"]
    assert SECONDS.match(report["date"]), report["date"]
    assert report["period"]["start"] <= report["period"]["end"]
    for group in report.get("group", []):
        assert (SANER_GROUP, "Beds") in _codes(group["code"])
        counts: dict[str, int | None] = {}
        for population in group["population"]:
            measured = [c for s, c in _codes(population["code"]) if s == SANER_MEASURED]
            if not measured:
                continue
            if "count" in population:
                assert isinstance(population["count"], int)
                assert population["count"] >= 0
                counts[measured[0]] = population["count"]
            else:
                reasons = population["_count"]["extension"]
                assert any(e["url"] == DATA_ABSENT and e["valueCode"] for e in reasons)
                counts[measured[0]] = None
        assert set(counts) == set(BED_POPULATIONS), counts
        total, occupied, available = (counts[c] for c in BED_POPULATIONS)
        if None not in (total, occupied, available):
            assert available == total - occupied  # type: ignore[operator]


def _rules(resource: dict[str, Any]) -> None:
    kind = resource["resourceType"]
    if kind == "Location":
        assert resource["status"] in LOCATION_STATUS
        assert _codes(resource["physicalType"]) <= {
            ("http://terminology.hl7.org/CodeSystem/location-physical-type", c)
            for c in PHYSICAL_TYPES}
        if "operationalStatus" in resource:
            status = resource["operationalStatus"]
            assert status["system"] == "http://terminology.hl7.org/CodeSystem/v2-0116"
            assert status["code"] in BED_STATUS
        assert re.fullmatch(r"\d{4} [A-Z]{2}", resource["address"]["postalCode"])
    elif kind == "Organization":
        for concept in resource.get("type", []):
            assert {c for _, c in _codes(concept)} <= ORGANIZATION_TYPES
    elif kind == "MeasureReport":
        saner(resource)
    elif kind == "Bundle":
        for link in resource["link"]:
            assert BUNDLE_LINK.match(link["url"])
        for entry in resource.get("entry", []):
            validate(entry["resource"])


def validate(resource: dict[str, Any]) -> None:
    """Refuse what the FHIR models or the rules above refuse; count what passes."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    _rules(resource)
    VALIDATED[resource["resourceType"]] += 1
