"""Code systems and identifiers our FHIR resources use, and the bed-type mapping.

The SANER codes are those of the HL7 SANER IG 1.0.0 (http://hl7.org/fhir/uv/saner): the
``Beds`` measure group and its populations numTotBeds (total), numTotBedsOcc (occupied) and
numTotBedsAvail (available). Our bed types have no code in SANER or SNOMED that keeps the
Dutch distinctions (ELV low/high complex, Wlz crisis, GRZ…), so a group carries two codings:
SANER's ``Beds`` and our own bed-type code (docs/integrations.md lists them).
"""

from __future__ import annotations

FHIR_JSON = "application/fhir+json"
BASE = "https://verkeerstoren.nl/fhir"

SANER = "http://hl7.org/fhir/uv/saner"
SANER_MEASURE = f"{SANER}/Measure/HospitalBedCapacity"
SANER_PROFILE = f"{SANER}/StructureDefinition/PublicHealthMeasureReport"
GROUP_SYSTEM = f"{SANER}/CodeSystem/MeasureGroupSystem"
MEASURED = f"{SANER}/CodeSystem/MeasuredValues"
POPULATION_SYSTEM = f"{SANER}/CodeSystem/MeasurePopulationSystem"
MEASURE_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

TOTAL = "numTotBeds"
OCCUPIED = "numTotBedsOcc"
AVAILABLE = "numTotBedsAvail"
SANER_POPULATIONS = (TOTAL, OCCUPIED, AVAILABLE)
# Our break-down of the occupied beds (SANER counts them as one): patients in bed, beds out
# of use (blocked) and beds held by a reservation in this tower (see docs/integrations.md).
PATIENTS = "occupied"
BLOCKED = "blocked"
HELD = "held"
POPULATION_CODES = f"{BASE}/CodeSystem/bed-count"
POPULATION_TYPE = {
    TOTAL: (MEASURE_POPULATION, "denominator"),
    OCCUPIED: (MEASURE_POPULATION, "numerator"),
    AVAILABLE: (POPULATION_SYSTEM, "numerator-complement"),
}
POPULATION_TEXT = {
    TOTAL: "Total number of beds", OCCUPIED: "Total number of beds in use",
    AVAILABLE: "Total number of beds available", PATIENTS: "Beds occupied by patients",
    BLOCKED: "Beds out of use (blocked)", HELD: "Beds held by a reservation",
}

BED_TYPE_SYSTEM = f"{BASE}/CodeSystem/bed-type"
SERVICE_CATEGORY = f"{BASE}/CodeSystem/service-category"
DISTRICT_NURSING = "district_nursing"
ORGANISATION_ID = f"{BASE}/NamingSystem/organisation"
LOCATION_ID = f"{BASE}/NamingSystem/location"
UNIT_ID = f"{BASE}/NamingSystem/care-unit"
TEAM_ID = f"{BASE}/NamingSystem/nursing-team"
AGB = "http://fhir.nl/fhir/NamingSystem/agb-z"
PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"
BED_STATUS = "http://terminology.hl7.org/CodeSystem/v2-0116"
ORGANISATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
# Our organisation kinds as HL7 organization-type codes (the nearest each has).
KIND_TYPE = {
    "provider": ("prov", "Healthcare Provider"),
    "municipality": ("govt", "Government"),
    "insurer": ("ins", "Insurance Company"),
    "gp_practice": ("prov", "Healthcare Provider"),
    "coordination_point": ("other", "Other"),
}


def fhir_id(code: str) -> str:
    """Our codes use '_', which a FHIR id may not contain ([A-Za-z0-9-.])."""
    return code.replace("_", "-")


def code_of(fhir: str) -> str:
    return fhir.replace("-", "_")
