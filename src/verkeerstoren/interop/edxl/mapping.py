"""Our bed types and EDXL-HAVE's.

EDXL-HAVE 2.0 names a service by a value from a value list (EDXL-CT ValueListType); we publish
and read our own bed-type codes under :data:`BED_TYPE_LIST`, so 2.0 is lossless. HAVE 1.0 has a
fixed list of hospital bed types (section 3.4, BedType): every bed type of a Dutch VVT/GGZ
region falls in one of two of them, so 1.0 is lossy when a unit has several of our bed types in
one HAVE category (see docs/integrations-edxl.md).
"""

from __future__ import annotations

BED_TYPE_LIST = "urn:verkeerstoren:bed-type"

# Our bed type (registry.reference.BED_TYPES) -> HAVE 1.0 BedType.
HAVE1_BED_TYPE: dict[str, str] = {
    "short_stay_low": "RehabLongTermCare",
    "short_stay_high": "RehabLongTermCare",
    "short_stay_palliative": "RehabLongTermCare",
    "geriatric_rehab": "RehabLongTermCare",
    "ltc_crisis": "RehabLongTermCare",
    "ltc_respite": "RehabLongTermCare",
    "multifunctional": "RehabLongTermCare",
    "observation": "RehabLongTermCare",
    "hospice": "RehabLongTermCare",
    "mental_health_crisis": "AdultPsychiatric",
    "mental_health_short_stay": "AdultPsychiatric",
}
# A bed type a region adds later and that is not in the table above.
HAVE1_DEFAULT = "RehabLongTermCare"


def have1_category(bed_type_code: str) -> str:
    return HAVE1_BED_TYPE.get(bed_type_code, HAVE1_DEFAULT)
