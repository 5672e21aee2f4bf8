"""The registry JSON API: create and edit, organisation scoping, validation, hostile input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.registry.conftest import DemoOrgs
from verkeerstoren.registry.models import CareUnit

API = "/api/v1"
Login = Callable[[str], Browser]


def _unit_body(location_id: int, name: str) -> dict[str, Any]:
    return {
        "location_id": location_id, "name": name, "phone": "079 123 4567",
        "bed_types": [{"bed_type_code": "short_stay_high", "physical_beds": 6}],
        "features": ["oxygen", "isolation"],
    }


def test_an_admin_creates_and_edits_a_unit(login: Login, orgs: DemoOrgs) -> None:
    admin = login("admin")
    created = admin.post(f"{API}/units", json=_unit_body(orgs.own_location.id, "Afdeling API"))
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["organisation_id"] == orgs.own.id
    assert unit["features"] == ["isolation", "oxygen"]
    changed = admin.put(f"{API}/units/{unit['id']}", json={
        "active": False, "bed_types": [{"bed_type_code": "hospice", "physical_beds": 2}]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["bed_types"] == [{"bed_type_code": "hospice", "physical_beds": 2}]
    assert changed.json()["active"] is False
    assert admin.get(f"{API}/units/{unit['id']}").json() == changed.json()


def test_a_provider_creates_a_location_for_its_own_organisation(
    login: Login, orgs: DemoOrgs
) -> None:
    answer = login("provider").post(f"{API}/locations", json={
        "name": "Nieuwe locatie", "postcode": "2711 ab", "gemeente_code": "GM0637",
        "wijk_code": orgs.wijk.code, "latitude": 52.06, "longitude": 4.49})
    assert answer.status_code == 201, answer.text
    assert answer.json()["organisation_id"] == orgs.own.id
    assert answer.json()["postcode"] == "2711AB"


def test_a_provider_cannot_edit_another_organisations_unit(
    login: Login, orgs: DemoOrgs, session: Session
) -> None:
    provider = login("provider")
    unit_id = orgs.other_unit.id
    before = provider.get(f"{API}/units/{unit_id}")
    assert before.status_code == 200  # everyone may read the registry
    answer = provider.put(f"{API}/units/{unit_id}", json={"name": "Overgenomen"})
    assert answer.status_code in (403, 404)
    session.expire_all()
    assert session.get(CareUnit, unit_id).name == before.json()["name"]  # type: ignore[union-attr]
    moved = provider.post(f"{API}/units", json=_unit_body(orgs.other_unit.location_id, "Stiekem"))
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "location_id"


def test_a_provider_cannot_create_organisations_or_edit_another(
    login: Login, orgs: DemoOrgs
) -> None:
    provider = login("provider")
    assert provider.post(f"{API}/organisations", json={"name": "Nieuw"}).status_code == 403
    assert provider.put(f"{API}/organisations/{orgs.other.id}", json={"phone": "010 1234567"}
                        ).status_code in (403, 404)
    own = provider.put(f"{API}/organisations/{orgs.own.id}", json={"phone": "079 7654321"})
    assert own.status_code == 200
    assert own.json()["phone"] == "079 7654321"


def test_a_viewer_reads_but_may_not_write(login: Login, orgs: DemoOrgs) -> None:
    viewer = login("viewer")
    assert viewer.get(f"{API}/organisations").status_code == 200
    answer = viewer.post(f"{API}/units", json=_unit_body(orgs.own_location.id, "X"))
    assert answer.status_code == 403


def test_validation_errors_name_the_field(login: Login, orgs: DemoOrgs) -> None:
    answer = login("admin").post(f"{API}/locations", json={
        "organisation_id": orgs.own.id, "name": "Foute locatie", "postcode": "0123 XY",
        "gemeente_code": "GM0637", "latitude": 60.0})
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"postcode", "latitude"} <= fields


def test_an_unknown_gemeente_is_a_422_naming_the_field(login: Login, orgs: DemoOrgs) -> None:
    answer = login("admin").post(f"{API}/locations", json={
        "organisation_id": orgs.own.id, "name": "Nergens", "postcode": "2711AB",
        "gemeente_code": "GM9999"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"row": None, "field": "gemeente_code", "message": "Unknown municipality GM9999."}]


def test_a_duplicate_team_name_is_a_422_not_a_500(login: Login, orgs: DemoOrgs) -> None:
    admin = login("admin")
    body = {"organisation_id": orgs.own.id, "name": "Team Dubbel", "skills": ["dementia"],
            "service_areas": [{"postcode_from": 2711, "postcode_to": 2729}]}
    assert admin.post(f"{API}/teams", json=body).status_code == 201
    again = admin.post(f"{API}/teams", json=body)
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "name"


def test_lists_search_by_name_and_reference_lists_are_complete(
    login: Login, orgs: DemoOrgs
) -> None:
    viewer = login("viewer")
    found = viewer.get(f"{API}/organisations", params={"q": orgs.own.name[:6].lower()}).json()
    assert orgs.own.name in [o["name"] for o in found]
    assert len(viewer.get(f"{API}/bed-types").json()) >= 10
    assert viewer.get(f"{API}/features").json()
    assert viewer.get(f"{API}/skills").json()
    wijken = viewer.get(f"{API}/gemeenten/GM0637/wijken").json()
    assert orgs.wijk.code in [w["code"] for w in wijken]
    assert viewer.get(f"{API}/gemeenten/GM9999/wijken").status_code == 404
    assert "GM0637" in [g["code"] for g in viewer.get(f"{API}/gemeenten").json()]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/units/99999999999999999999", None),
        ("get", "/units/0", None),
        ("get", "/organisations?q=" + "x" * 500, None),
        ("get", "/organisations?q=%00%25_", None),
        ("get", "/gemeenten/%00/wijken", None),
        ("post", "/organisations", {"name": "a\x00b"}),
        ("post", "/organisations", {"name": "x" * 201}),
        ("post", "/organisations", {"name": "Ok", "extra": 1}),
        ("post", "/organisations", '{"name": "\\ud800 lone surrogate"}'),
        ("post", "/organisations", '{"name": '),
        ("post", "/units", {"location_id": 2**63, "name": "x"}),
        ("post", "/units", {"location_id": 1, "name": "x",
                            "bed_types": [{"bed_type_code": "hospice", "physical_beds": 10**12}]}),
        ("post", "/locations", {"name": "x", "postcode": "2711AB", "gemeente_code": "GM0637",
                                "latitude": "NaN"}),
        ("post", "/teams", {"name": "x", "service_areas": [{"postcode_from": 2729,
                                                            "postcode_to": 2711}]}),
        ("put", "/units/1", {"name": None, "location_id": None, "active": None}),
        ("put", "/locations/1", {"postcode": None, "gemeente_code": None, "name": None}),
        ("put", "/organisations/1", {"kind": None, "name": None}),
    ],
)
def test_hostile_input_never_causes_a_server_error(
    login: Login, method: str, path: str, body: dict[str, Any] | str | None
) -> None:
    admin = login("admin")
    if isinstance(body, str):
        answer = admin.request(method, API + path, content=body,
                               headers={"content-type": "application/json"})
    else:
        answer = admin.request(method, API + path, json=body)
    assert answer.status_code < 500, answer.text
