"""Registry services: references checked, names unique, organisations taken from the actor."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.registry.conftest import DemoOrgs
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.errors import Forbidden, NotFound, ValidationErrors, ValidationProblem
from verkeerstoren.registry import service
from verkeerstoren.registry.schemas import (
    CareUnitIn,
    CareUnitUpdate,
    LocationIn,
    NursingTeamIn,
    OrganisationIn,
    UnitBedTypeIn,
)

ADMIN = system_actor("test")


def _fields(error: ValidationErrors | ValidationProblem) -> set[str]:
    problems = error.problems if isinstance(error, ValidationErrors) else [error]
    return {p.field for p in problems}


def test_a_new_location_gets_a_normalised_postcode(session: Session, orgs: DemoOrgs) -> None:
    location = service.create_location(session, ADMIN, LocationIn(
        organisation_id=orgs.own.id, name="Testlocatie", postcode="2711 ab",
        gemeente_code="gm0637", wijk_code=orgs.wijk.code.lower(),
    ))
    assert (location.postcode, location.gemeente_code, location.wijk_code) == (
        "2711AB", "GM0637", orgs.wijk.code)


def test_a_wijk_outside_the_gemeente_is_refused_naming_the_field(
    session: Session, orgs: DemoOrgs
) -> None:
    with pytest.raises(ValidationProblem) as caught:
        service.create_location(session, ADMIN, LocationIn(
            organisation_id=orgs.own.id, name="Elders", postcode="2511AA",
            gemeente_code="GM0518", wijk_code=orgs.wijk.code,
        ))
    assert caught.value.field == "wijk_code"


def test_a_unit_belongs_to_the_organisation_of_its_location(
    session: Session, orgs: DemoOrgs
) -> None:
    unit = service.create_unit(session, ADMIN, CareUnitIn(
        location_id=orgs.own_location.id, name="Afdeling Test",
        bed_types=[UnitBedTypeIn(bed_type_code="hospice", physical_beds=3)],
        features=["oxygen", "oxygen"],
    ))
    assert unit.organisation_id == orgs.own.id
    assert [(b.bed_type_code, b.physical_beds) for b in unit.bed_types] == [("hospice", 3)]
    assert [f.code for f in unit.features] == ["oxygen"]


def test_updating_bed_types_replaces_the_list(session: Session, orgs: DemoOrgs) -> None:
    unit = service.create_unit(session, ADMIN, CareUnitIn.model_validate({
        "location_id": orgs.own_location.id, "name": "Afdeling Wissel",
        "bed_types": [{"bed_type_code": "hospice", "physical_beds": 3}],
    }))
    service.update_unit(session, ADMIN, unit.id, CareUnitUpdate.model_validate({
        "bed_types": [{"bed_type_code": "hospice", "physical_beds": 5},
                      {"bed_type_code": "geriatric_rehab", "physical_beds": 2}],
    }))
    assert sorted((b.bed_type_code, b.physical_beds) for b in unit.bed_types) == [
        ("geriatric_rehab", 2), ("hospice", 5)]


def test_unknown_references_are_all_reported_by_field(session: Session, orgs: DemoOrgs) -> None:
    with pytest.raises(ValidationErrors) as caught:
        service.create_unit(session, ADMIN, CareUnitIn.model_validate({
            "location_id": orgs.own_location.id, "name": "Afdeling Fout",
            "bed_types": [{"bed_type_code": "no_such_type", "physical_beds": 1}],
            "features": ["no_such_feature"],
        }))
    assert _fields(caught.value) == {"bed_types", "features"}
    assert {p.message for p in caught.value.problems} == {
        "Unknown bed type {code}.", "Unknown feature {code}."}


def test_an_unknown_location_is_named(session: Session) -> None:
    with pytest.raises(ValidationProblem) as caught:
        service.create_unit(session, ADMIN, CareUnitIn(location_id=999_999, name="X"))
    assert caught.value.field == "location_id"


def test_a_duplicate_name_is_a_validation_problem_not_a_database_error(
    session: Session, orgs: DemoOrgs
) -> None:
    with pytest.raises(ValidationProblem) as caught:
        service.create_organisation(session, ADMIN, OrganisationIn(name=orgs.other.name))
    assert caught.value.field == "name"
    with pytest.raises(ValidationProblem):
        service.create_location(session, ADMIN, LocationIn(
            organisation_id=orgs.own.id, name=orgs.own_location.name, postcode="2711AB",
            gemeente_code="GM0637",
        ))


def test_a_team_with_an_unknown_skill_or_wijk_is_refused(session: Session, orgs: DemoOrgs) -> None:
    with pytest.raises(ValidationErrors) as caught:
        service.create_team(session, ADMIN, NursingTeamIn.model_validate({
            "organisation_id": orgs.own.id, "name": "Team Test", "skills": ["juggling"],
            "service_areas": [{"wijk_code": "WK999999"}],
        }))
    assert _fields(caught.value) == {"skills", "service_areas"}


def test_a_provider_creating_a_team_gets_its_own_organisation(
    session: Session, orgs: DemoOrgs
) -> None:
    bind_actor(session, orgs.provider(), edit=True)
    team = service.create_team(session, orgs.provider(), NursingTeamIn.model_validate({
        "name": "Team Eigen", "skills": ["wound_care"],
        "service_areas": [{"postcode_from": 2711, "postcode_to": 2729},
                          {"wijk_code": orgs.wijk.code}],
    }))
    assert team.organisation_id == orgs.own.id
    assert len(team.service_areas) == 2


def test_a_provider_cannot_add_to_another_organisation(session: Session, orgs: DemoOrgs) -> None:
    bind_actor(session, orgs.provider(), edit=True)
    with pytest.raises(Forbidden):
        service.create_team(session, orgs.provider(), NursingTeamIn(
            organisation_id=orgs.other.id, name="Team Vreemd"))


def test_another_organisations_unit_is_not_found_when_editing(
    session: Session, orgs: DemoOrgs
) -> None:
    bind_actor(session, orgs.provider(), edit=True)
    with pytest.raises(NotFound):
        service.update_unit(session, orgs.provider(), orgs.other_unit.id,
                            CareUnitUpdate(name="Overgenomen"))


def test_search_treats_wildcards_literally(session: Session, orgs: DemoOrgs) -> None:
    assert service.list_organisations(session, "%") == []
    found = service.list_organisations(session, orgs.own.name.upper()[:8])
    assert orgs.own in found
