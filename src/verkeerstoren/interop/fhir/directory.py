"""The registry as FHIR resources: Organization, Location (sites and care units) and
HealthcareService (a unit's beds of one type; a district-nursing team), each with the keys
its search parameters match on.

Ids: ``Organization/{id}``; ``Location/site-{id}`` (a registry location, physical type *si*)
and ``Location/unit-{id}`` (a care unit, physical type *wa*, part of its site);
``HealthcareService/unit-{id}.{bed-type}`` and ``HealthcareService/team-{id}``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren.capacity.models import BedState, TeamIntake
from verkeerstoren.interop.fhir import codes
from verkeerstoren.registry.models import (
    BedType,
    CareUnit,
    Location,
    NursingTeam,
    Organisation,
    UnitBedType,
)

Resource = dict[str, Any]


@dataclass
class Entry:
    """A resource and what its search parameters compare."""

    resource: Resource
    names: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)
    organisation: str | None = None
    location: str | None = None
    last_updated: datetime | None = None


def instant(moment: datetime) -> str:
    """A FHIR instant precise to the second, in UTC (SANER asks for seconds)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _meta(moment: datetime | None) -> dict[str, Any]:
    return {"meta": {"lastUpdated": instant(moment)}} if moment is not None else {}


def _identifier(system: str, value: object) -> dict[str, str]:
    return {"system": system, "value": str(value)}


def _postcode(raw: str) -> str:
    raw = raw.replace(" ", "").upper()
    return f"{raw[:4]} {raw[4:]}" if len(raw) == 6 else raw


def organisations(session: Session) -> list[Entry]:
    postcodes: dict[int, list[str]] = defaultdict(list)
    for org_id, postcode in session.execute(select(Location.organisation_id, Location.postcode)):
        postcodes[org_id].append(postcode)
    entries = []
    for org in session.scalars(select(Organisation).order_by(Organisation.id)):
        ids = [_identifier(codes.ORGANISATION_ID, org.id)]
        if org.agb_code:
            ids.append(_identifier(codes.AGB, org.agb_code))
        kind_code, kind_text = codes.KIND_TYPE.get(org.kind.value, ("other", "Other"))
        telecom = ([{"system": "phone", "value": org.phone}] if org.phone else []) + (
            [{"system": "email", "value": org.email}] if org.email else [])
        resource: Resource = {
            "resourceType": "Organization", "id": str(org.id), **_meta(org.updated_at),
            "identifier": ids, "active": True,
            "type": [{"coding": [{"system": codes.ORGANISATION_TYPE, "code": kind_code,
                                  "display": kind_text}], "text": org.kind.value}],
            "name": org.name,
            **({"telecom": telecom} if telecom else {}),
        }
        entries.append(Entry(
            resource, names=[org.name],
            identifiers=[(i["system"], i["value"]) for i in ids],
            postcodes=postcodes.get(org.id, []),
            types=[(codes.ORGANISATION_TYPE, kind_code)],
            last_updated=org.updated_at))
    return entries


def _address(loc: Location) -> dict[str, Any]:
    line = " ".join(p for p in (loc.street, loc.house_number) if p)
    return {"use": "work", **({"line": [line]} if line else {}),
            **({"city": loc.city} if loc.city else {}),
            "postalCode": _postcode(loc.postcode), "country": "NL"}


def _bed_status(states: list[BedState], active: bool) -> dict[str, str] | None:
    """A ward's status in v2-0116: C when closed, U while a bed is free, O when full.

    v2-0116 has no code for a held bed: holds count as not free here and are given as the
    ``held`` population of the unit's MeasureReport (docs/integrations.md).
    """
    if not active:
        return {"system": codes.BED_STATUS, "code": "C", "display": "Closed"}
    reported = [s for s in states if s.reported_at is not None]
    if not reported:
        return None
    if any(s.available > 0 for s in reported):
        return {"system": codes.BED_STATUS, "code": "U", "display": "Unoccupied"}
    return {"system": codes.BED_STATUS, "code": "O", "display": "Occupied"}


def _physical(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": codes.PHYSICAL_TYPE, "code": code, "display": display}]}


def locations(session: Session) -> list[Entry]:
    states: dict[int, list[BedState]] = defaultdict(list)
    for state in session.scalars(select(BedState)):
        states[state.unit_id].append(state)
    entries = []
    sites = session.scalars(select(Location).order_by(Location.id)).all()
    for loc in sites:
        resource: Resource = {
            "resourceType": "Location", "id": f"site-{loc.id}", **_meta(loc.updated_at),
            "identifier": [_identifier(codes.LOCATION_ID, loc.id)],
            "status": "active", "name": loc.name, "mode": "instance",
            **({"telecom": [{"system": "phone", "value": loc.phone}]} if loc.phone else {}),
            "address": _address(loc), "physicalType": _physical("si", "Site"),
            **({"position": {"longitude": loc.longitude, "latitude": loc.latitude}}
               if loc.latitude is not None and loc.longitude is not None else {}),
            "managingOrganization": {"reference": f"Organization/{loc.organisation_id}"},
        }
        entries.append(Entry(resource, names=[loc.name],
                             identifiers=[(codes.LOCATION_ID, str(loc.id))],
                             postcodes=[loc.postcode], types=[(codes.PHYSICAL_TYPE, "si")],
                             organisation=f"Organization/{loc.organisation_id}",
                             last_updated=loc.updated_at))
    by_id = {loc.id: loc for loc in sites}
    for unit in session.scalars(select(CareUnit).order_by(CareUnit.id)):
        site = by_id.get(unit.location_id)
        if site is None:
            continue
        status = _bed_status(states.get(unit.id, []), unit.active)
        resource = {
            "resourceType": "Location", "id": f"unit-{unit.id}", **_meta(unit.updated_at),
            "identifier": [_identifier(codes.UNIT_ID, unit.id)],
            "status": "active" if unit.active else "inactive",
            **({"operationalStatus": status} if status else {}),
            "name": unit.name, "mode": "instance",
            **({"telecom": [{"system": "phone", "value": unit.phone}]} if unit.phone else {}),
            "address": _address(site), "physicalType": _physical("wa", "Ward"),
            **({"position": {"longitude": site.longitude, "latitude": site.latitude}}
               if site.latitude is not None and site.longitude is not None else {}),
            "managingOrganization": {"reference": f"Organization/{unit.organisation_id}"},
            "partOf": {"reference": f"Location/site-{site.id}"},
        }
        entries.append(Entry(resource, names=[unit.name, site.name],
                             identifiers=[(codes.UNIT_ID, str(unit.id))],
                             postcodes=[site.postcode], types=[(codes.PHYSICAL_TYPE, "wa")],
                             organisation=f"Organization/{unit.organisation_id}",
                             last_updated=unit.updated_at))
    return entries


def _bed_availability(state: BedState | None) -> dict[str, Any]:
    if state is None or state.reported_at is None:
        return {"availabilityExceptions": "No availability reported yet"}
    return {"availabilityExceptions": (
        f"{state.available} of {state.staffed} staffed beds available "
        f"(reported {instant(state.reported_at)})")}


def services(session: Session) -> list[Entry]:
    states = {(s.unit_id, s.bed_type_code): s for s in session.scalars(select(BedState))}
    names = dict(session.execute(select(BedType.code, BedType.name)).all())
    entries = []
    rows = session.scalars(select(UnitBedType).options(
        selectinload(UnitBedType.unit)).order_by(UnitBedType.unit_id, UnitBedType.bed_type_code))
    for row in rows:
        unit = row.unit
        code = row.bed_type_code
        service_id = f"unit-{unit.id}.{codes.fhir_id(code)}"
        resource: Resource = {
            "resourceType": "HealthcareService", "id": service_id, **_meta(unit.updated_at),
            "identifier": [_identifier(f"{codes.BASE}/NamingSystem/bed-service",
                                       f"{unit.id}.{code}")],
            "active": unit.active,
            "providedBy": {"reference": f"Organization/{unit.organisation_id}"},
            "category": [{"coding": [{"system": codes.SERVICE_CATEGORY, "code": "beds",
                                      "display": "Beds"}]}],
            "type": [{"coding": [{"system": codes.BED_TYPE_SYSTEM, "code": code,
                                  "display": names.get(code, code)}]}],
            "location": [{"reference": f"Location/unit-{unit.id}"}],
            "name": f"{unit.name}: {names.get(code, code)}",
            **_bed_availability(states.get((unit.id, code))),
        }
        entries.append(Entry(resource, names=[resource["name"]],
                             identifiers=[(f"{codes.BASE}/NamingSystem/bed-service",
                                           f"{unit.id}.{code}")],
                             types=[(codes.BED_TYPE_SYSTEM, code)],
                             organisation=f"Organization/{unit.organisation_id}",
                             location=f"Location/unit-{unit.id}",
                             last_updated=unit.updated_at))
    entries.extend(_teams(session))
    return entries


def _teams(session: Session) -> list[Entry]:
    latest: dict[int, TeamIntake] = {}
    for report in session.scalars(select(TeamIntake).order_by(TeamIntake.reported_at)):
        latest[report.team_id] = report
    entries = []
    teams = session.scalars(select(NursingTeam).options(selectinload(NursingTeam.skills))
                            .order_by(NursingTeam.id))
    for team in teams:
        intake = latest.get(team.id)
        availability: dict[str, Any]
        if intake is None:
            availability = {"availabilityExceptions": "No intake reported yet"}
        elif not intake.accepting:
            availability = {"notAvailable": [{"description": "Not taking new clients"}]}
        elif intake.available_from is not None:
            availability = {
                "availabilityExceptions":
                    f"Taking new clients from {intake.available_from.isoformat()}",
                "notAvailable": [{"description": "No new clients before this date",
                                  "during": {"end": intake.available_from.isoformat()}}]}
        else:
            availability = {"availabilityExceptions": "Taking new clients"}
        telecom = ([{"system": "phone", "value": team.phone}] if team.phone else []) + (
            [{"system": "email", "value": team.email}] if team.email else [])
        resource: Resource = {
            "resourceType": "HealthcareService", "id": f"team-{team.id}",
            **_meta(team.updated_at),
            "identifier": [_identifier(codes.TEAM_ID, team.id)], "active": True,
            "providedBy": {"reference": f"Organization/{team.organisation_id}"},
            "category": [{"coding": [{"system": codes.SERVICE_CATEGORY,
                                      "code": codes.DISTRICT_NURSING,
                                      "display": "District nursing"}]}],
            "type": [{"coding": [{"system": codes.SERVICE_CATEGORY,
                                  "code": codes.DISTRICT_NURSING,
                                  "display": "District nursing"}]}],
            **({"specialty": [{"coding": [{"system": f"{codes.BASE}/CodeSystem/skill",
                                           "code": s.code, "display": s.name}]}
                              for s in team.skills]} if team.skills else {}),
            "name": team.name,
            **({"telecom": telecom} if telecom else {}),
            **availability,
        }
        entries.append(Entry(resource, names=[team.name],
                             identifiers=[(codes.TEAM_ID, str(team.id))],
                             types=[(codes.SERVICE_CATEGORY, codes.DISTRICT_NURSING)],
                             organisation=f"Organization/{team.organisation_id}",
                             last_updated=team.updated_at))
    return entries
