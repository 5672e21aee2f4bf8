"""Request and response models of the registry API (the field rules are in ``fields``).

Messages are English msgids (the Dutch pages translate them).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from verkeerstoren.registry.fields import (
    MAX_BEDS,
    MAX_LIST,
    RANGE_RE,
    Agb,
    Code,
    Email,
    GemeenteCode,
    HouseNumber,
    Id,
    Latitude,
    Longitude,
    Name,
    OptText100,
    OptText200,
    Phone,
    Postcode,
    WijkCode,
)
from verkeerstoren.registry.models import OrganisationKind


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- organisations -------------------------------------------------------------------------


class OrganisationIn(_Body):
    name: Name
    kind: OrganisationKind = OrganisationKind.PROVIDER
    agb_code: Agb = None
    email: Email = None
    phone: Phone = None


class OrganisationUpdate(_Body):
    """Only the fields sent are changed."""

    name: Name | None = None
    kind: OrganisationKind | None = None
    agb_code: Agb = None
    email: Email = None
    phone: Phone = None


class OrganisationOut(_Out):
    id: int
    name: str
    kind: OrganisationKind
    agb_code: str | None
    email: str | None
    phone: str | None


# --- locations -----------------------------------------------------------------------------


class LocationIn(_Body):
    organisation_id: Id | None = None
    name: Name
    street: OptText200 = None
    house_number: HouseNumber = None
    postcode: Postcode
    city: OptText100 = None
    gemeente_code: GemeenteCode
    wijk_code: WijkCode = None
    latitude: Latitude = None
    longitude: Longitude = None
    phone: Phone = None


class LocationUpdate(_Body):
    """Only the fields sent are changed."""

    name: Name | None = None
    street: OptText200 = None
    house_number: HouseNumber = None
    postcode: Postcode | None = None
    city: OptText100 = None
    gemeente_code: GemeenteCode | None = None
    wijk_code: WijkCode = None
    latitude: Latitude = None
    longitude: Longitude = None
    phone: Phone = None


class LocationOut(_Out):
    id: int
    organisation_id: int
    name: str
    street: str | None
    house_number: str | None
    postcode: str
    city: str | None
    gemeente_code: str
    wijk_code: str | None
    latitude: float | None
    longitude: float | None
    phone: str | None


# --- care units ----------------------------------------------------------------------------


class UnitBedTypeIn(_Body):
    bed_type_code: Code
    physical_beds: Annotated[int, Field(ge=0, le=MAX_BEDS)]


class UnitBedTypeOut(_Out):
    bed_type_code: str
    physical_beds: int


class CareUnitIn(_Body):
    location_id: Id
    name: Name
    phone: Phone = None
    active: bool = True
    bed_types: Annotated[list[UnitBedTypeIn], Field(max_length=MAX_LIST)] = []
    features: Annotated[list[Code], Field(max_length=MAX_LIST)] = []


class CareUnitUpdate(_Body):
    """Only the fields sent are changed; lists sent replace the unit's lists."""

    location_id: Id | None = None
    name: Name | None = None
    phone: Phone = None
    active: bool | None = None
    bed_types: Annotated[list[UnitBedTypeIn] | None, Field(max_length=MAX_LIST)] = None
    features: Annotated[list[Code] | None, Field(max_length=MAX_LIST)] = None


class CareUnitOut(_Out):
    id: int
    organisation_id: int
    location_id: int
    name: str
    phone: str | None
    active: bool
    bed_types: list[UnitBedTypeOut]
    features: list[str]

    @model_validator(mode="before")
    @classmethod
    def _feature_codes(cls, data: Any) -> Any:
        # The ORM gives Feature objects; the API speaks codes.
        if hasattr(data, "features") and hasattr(data, "__table__"):
            return {
                "id": data.id,
                "organisation_id": data.organisation_id,
                "location_id": data.location_id,
                "name": data.name,
                "phone": data.phone,
                "active": data.active,
                # sorted so a fresh object and a reloaded one answer alike
                "bed_types": sorted(data.bed_types, key=lambda b: b.bed_type_code),
                "features": sorted(f.code for f in data.features),
            }
        return data


# --- district-nursing teams ----------------------------------------------------------------


class ServiceAreaIn(_Body):
    """Either a 4-digit postcode range or a CBS wijk code."""

    postcode_from: Annotated[int | None, Field(ge=1000, le=9999)] = None
    postcode_to: Annotated[int | None, Field(ge=1000, le=9999)] = None
    wijk_code: WijkCode = None

    @model_validator(mode="after")
    def _range_or_wijk(self) -> ServiceAreaIn:
        has_range = self.postcode_from is not None or self.postcode_to is not None
        if has_range == (self.wijk_code is not None):
            raise ValueError("Give either a postcode range or a neighbourhood code.")
        if has_range:
            if self.postcode_from is None or self.postcode_to is None:
                raise ValueError("A postcode range needs both a start and an end.")
            if self.postcode_from > self.postcode_to:
                raise ValueError("The start of a postcode range must not be after its end.")
        return self


class ServiceAreaOut(_Out):
    postcode_from: int | None
    postcode_to: int | None
    wijk_code: str | None


class NursingTeamIn(_Body):
    organisation_id: Id | None = None
    name: Name
    phone: Phone = None
    email: Email = None
    skills: Annotated[list[Code], Field(max_length=MAX_LIST)] = []
    service_areas: Annotated[list[ServiceAreaIn], Field(max_length=MAX_LIST)] = []


class NursingTeamUpdate(_Body):
    """Only the fields sent are changed; lists sent replace the team's lists."""

    name: Name | None = None
    phone: Phone = None
    email: Email = None
    skills: Annotated[list[Code] | None, Field(max_length=MAX_LIST)] = None
    service_areas: Annotated[list[ServiceAreaIn] | None, Field(max_length=MAX_LIST)] = None


class NursingTeamOut(_Out):
    id: int
    organisation_id: int
    name: str
    phone: str | None
    email: str | None
    skills: list[str]
    service_areas: list[ServiceAreaOut]

    @model_validator(mode="before")
    @classmethod
    def _skill_codes(cls, data: Any) -> Any:
        if hasattr(data, "skills") and hasattr(data, "__table__"):
            return {
                "id": data.id,
                "organisation_id": data.organisation_id,
                "name": data.name,
                "phone": data.phone,
                "email": data.email,
                "skills": sorted(s.code for s in data.skills),
                "service_areas": list(data.service_areas),
            }
        return data


# --- reference lists -----------------------------------------------------------------------


class BedTypeOut(_Out):
    code: str
    name: str
    sort_order: int
    max_report_age_hours: int


class FeatureOut(_Out):
    code: str
    name: str


class SkillOut(_Out):
    code: str
    name: str


class GemeenteOut(_Out):
    code: str
    name: str
    population: int | None
    population_year: int | None


class WijkOut(_Out):
    code: str
    name: str
    gemeente_code: str
    population: int | None


class ImportSummaryOut(_Out):
    kind: str
    rows: int
    organisations_created: int
    organisations_updated: int
    locations_created: int
    locations_updated: int
    units_created: int
    units_updated: int
    teams_created: int
    teams_updated: int


def parse_service_areas(text: str) -> tuple[list[ServiceAreaIn], list[str]]:
    """Service areas from text like '2711-2729; WK063701' (also '|' or new lines between).

    Returns the areas and the pieces that are neither a postcode range nor a wijk code.
    """
    areas: list[ServiceAreaIn] = []
    bad: list[str] = []
    for piece in re.split(r"[;|\n\r,]+", text):
        token = piece.strip()
        if not token:
            continue
        single = re.fullmatch(r"[0-9]{4}", token)
        match = RANGE_RE.match(token)
        try:
            if match:
                areas.append(
                    ServiceAreaIn(postcode_from=int(match[1]), postcode_to=int(match[2]))
                )
            elif single:
                areas.append(ServiceAreaIn(postcode_from=int(token), postcode_to=int(token)))
            else:
                areas.append(ServiceAreaIn(wijk_code=token))
        except ValidationError:
            bad.append(token[:40])
    return areas, bad
