"""The CapabilityStatement at ``/fhir/metadata``: what this server reads, searches and accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from verkeerstoren.interop.fhir import codes
from verkeerstoren.interop.fhir.directory import instant

SEARCH = {
    "Organization": ("identifier", "name", "address-postalcode", "type", "_lastUpdated"),
    "Location": ("identifier", "name", "address-postalcode", "type", "organization", "partof",
                 "_lastUpdated"),
    "HealthcareService": ("identifier", "name", "type", "organization", "location",
                          "_lastUpdated"),
    "MeasureReport": ("subject", "reporter"),
}
TYPES = {"identifier": "token", "name": "string", "address-postalcode": "string",
         "type": "token", "organization": "reference", "partof": "reference",
         "location": "reference", "_lastUpdated": "date", "subject": "reference",
         "reporter": "reference"}


def statement(base: str, now: datetime) -> dict[str, Any]:
    resources = []
    for kind, params in SEARCH.items():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if kind == "MeasureReport":
            interactions.append({"code": "create"})
        resources.append({
            "type": kind, "interaction": interactions,
            **({"supportedProfile": [codes.SANER_PROFILE]} if kind == "MeasureReport" else {}),
            "searchParam": [{"name": p, "type": TYPES[p]}
                            for p in (*params, "_count")
                            if p != "_count"] + [{"name": "_count", "type": "number"}],
        })
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": instant(now),
        "kind": "instance", "software": {"name": "Verkeerstoren"},
        "implementation": {"description": "Verkeerstoren regional care control tower",
                           "url": base},
        "fhirVersion": "4.0.1", "format": [codes.FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "security": {"description": "Bearer API token (Authorization: Bearer …); "
                                        "/fhir/metadata is public."},
            "resource": resources,
        }],
    }
