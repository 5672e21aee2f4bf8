"""Registry pages: lists for every role, forms that save or show Dutch errors, scoping."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.registry.conftest import DemoOrgs
from verkeerstoren.registry.models import CareUnit, Location, NursingTeam

Login = Callable[[str], Browser]
LISTS = ["/registry/organisations", "/registry/locations", "/registry/units", "/registry/teams",
         "/registry/areas"]


@pytest.mark.parametrize("role", ["admin", "coordinator", "provider", "referrer", "analyst",
                                  "viewer"])
def test_every_role_can_read_the_registry_pages(login: Login, role: str) -> None:
    browser = login(role)
    for path in LISTS:
        page = browser.get(path)
        assert page.status_code == 200, (path, page.text[:500])
    assert "Register" in browser.get("/").text  # the menu entry, in Dutch


def test_only_editors_see_new_buttons_and_the_import_is_for_admins(login: Login) -> None:
    viewer = login("viewer").get("/registry/units").text
    assert "/registry/units/new" not in viewer
    assert "/edit" not in viewer
    assert login("viewer").get("/registry/import").status_code == 403
    admin = login("admin")
    assert "/registry/units/new" in admin.get("/registry/units").text
    assert admin.get("/registry/import").status_code == 200


def test_a_provider_gets_edit_links_only_for_its_own_units(
    login: Login, orgs: DemoOrgs, session: Session
) -> None:
    page = login("provider").get("/registry/units").text
    assert f"/registry/units/{orgs.other_unit.id}/edit" not in page
    own = session.scalars(select(CareUnit).where(CareUnit.organisation_id == orgs.own.id)).first()
    assert own is not None
    assert f"/registry/units/{own.id}/edit" in page
    orgs_page = login("provider").get("/registry/organisations").text
    assert f"/registry/organisations/{orgs.own.id}/edit" in orgs_page
    assert f"/registry/organisations/{orgs.other.id}/edit" not in orgs_page


def test_another_organisations_edit_form_is_not_found_and_its_post_changes_nothing(
    login: Login, orgs: DemoOrgs, session: Session
) -> None:
    provider = login("provider")
    url = f"/registry/units/{orgs.other_unit.id}/edit"
    name = orgs.other_unit.name
    assert provider.get(url).status_code == 404
    answer = provider.post(url, data={"name": "Overgenomen", "location_id": "1"})
    assert answer.status_code == 404
    session.expire_all()
    assert session.get(CareUnit, orgs.other_unit.id).name == name  # type: ignore[union-attr]


def test_an_admin_creates_a_location_through_the_form(
    login: Login, orgs: DemoOrgs, session: Session
) -> None:
    admin = login("admin")
    assert admin.get("/registry/locations/new").status_code == 200
    answer = admin.post("/registry/locations/new", data={
        "organisation_id": str(orgs.own.id), "name": "Formulierlocatie", "postcode": "2711 ab",
        "gemeente_code": "GM0637", "wijk_code": orgs.wijk.code, "latitude": "52,06",
        "longitude": "4.49", "csrf_token": admin.csrf,
    }, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/registry/locations"
    location = session.scalars(select(Location).where(Location.name == "Formulierlocatie")).one()
    assert (location.postcode, location.latitude) == ("2711AB", 52.06)


def test_a_form_with_errors_is_shown_again_in_dutch_with_status_422(
    login: Login, orgs: DemoOrgs, session: Session
) -> None:
    provider = login("provider")
    answer = provider.post("/registry/locations/new", data={
        "name": "", "postcode": "12345", "gemeente_code": "GM0637", "latitude": "99"})
    assert answer.status_code == 422
    assert "Dit veld is verplicht." in answer.text or "verplicht" in answer.text
    assert "1234AB" in answer.text  # the postcode message names the expected shape
    assert 'value="12345"' in answer.text  # what the user typed is kept
    assert session.scalars(select(Location).where(Location.postcode == "12345")).first() is None


def test_a_provider_saves_a_unit_with_beds_and_features(
    login: Login, orgs: DemoOrgs, session: Session
) -> None:
    provider = login("provider")
    form = provider.get("/registry/units/new")
    assert 'name="beds_hospice"' in form.text
    answer = provider.post("/registry/units/new", data={
        "location_id": str(orgs.own_location.id), "name": "Afdeling Formulier",
        "active": "true", "beds_hospice": "4", "beds_geriatric_rehab": "",
        "features": ["oxygen", "isolation"],
    }, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    unit = session.scalars(select(CareUnit).where(CareUnit.name == "Afdeling Formulier")).one()
    assert unit.organisation_id == orgs.own.id
    assert [(b.bed_type_code, b.physical_beds) for b in unit.bed_types] == [("hospice", 4)]
    assert sorted(f.code for f in unit.features) == ["isolation", "oxygen"]
    edit = provider.get(f"/registry/units/{unit.id}/edit")
    assert edit.status_code == 200
    bad = provider.post(f"/registry/units/{unit.id}/edit", data={
        "location_id": str(orgs.own_location.id), "name": "Afdeling Formulier",
        "beds_hospice": "-3"})
    assert bad.status_code == 422
    session.expire_all()
    assert [b.physical_beds for b in unit.bed_types] == [4]


def test_a_team_form_reads_service_areas_one_per_line(
    login: Login, orgs: DemoOrgs, session: Session
) -> None:
    provider = login("provider")
    answer = provider.post("/registry/teams/new", data={
        "name": "Team Formulier", "skills": ["palliative"],
        "service_areas": f"2711-2729\r\n{orgs.wijk.code}\r\n",
    }, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    team = session.scalars(select(NursingTeam).where(NursingTeam.name == "Team Formulier")).one()
    assert team.organisation_id == orgs.own.id
    assert [(a.postcode_from, a.postcode_to, a.wijk_code) for a in team.service_areas] == [
        (2711, 2729, None), (None, None, orgs.wijk.code)]
    bad = provider.post(f"/registry/teams/{team.id}/edit", data={
        "name": "Team Formulier", "service_areas": "27-29"})
    assert bad.status_code == 422
    assert "27-29" in bad.text


def test_an_admin_creates_an_organisation_and_a_provider_may_not(login: Login) -> None:
    assert login("provider").get("/registry/organisations/new").status_code == 403
    admin = login("admin")
    answer = admin.post("/registry/organisations/new", data={
        "name": "Nieuwe Zorgaanbieder", "kind": "provider", "agb_code": "1234567"},
        follow_redirects=False)
    assert answer.status_code == 422
    assert "8 cijfers" in answer.text
    answer = admin.post("/registry/organisations/new", data={
        "name": "Nieuwe Zorgaanbieder", "kind": "provider", "agb_code": "12345678"},
        follow_redirects=False)
    assert answer.status_code == 303


def test_the_areas_page_lists_gemeenten_with_their_wijken(login: Login, orgs: DemoOrgs) -> None:
    page = login("viewer").get("/registry/areas").text
    assert "GM0637" in page
    assert orgs.wijk.code in page



class _FormReader(HTMLParser):
    """The values a browser would post from the page's ``form.card`` (inputs, checked boxes,
    selected options, text areas)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.values: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "card" in a.get("class", ""):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.values.append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.values.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self.textarea:
            name, text = self.values.pop()
            self.values.append((name, text + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


@pytest.mark.parametrize("path", LISTS[:4])
def test_each_entity_round_trips_its_own_edit_form_and_a_renamed_save_lands(
    login: Login, path: str
) -> None:
    """Every entity's generic edit view fills the form from the row, and posting that form back
    with a new name saves exactly that (the field names the form shows are the ones the save
    reads)."""
    admin = login("admin")
    edit_url = re.findall(rf'href="({path}/\d+/edit)"', admin.get(path).text)[0]
    form = admin.get(edit_url)
    assert form.status_code == 200
    reader = _FormReader()
    reader.feed(form.text)
    posted: dict[str, list[str]] = {}
    for name, value in reader.values:
        posted.setdefault(name, []).append(value)
    assert posted.pop("name") != ["Hernoemd via formulier"]
    posted["name"] = ["Hernoemd via formulier"]
    answer = admin.post(edit_url, data=posted, follow_redirects=False)
    assert answer.status_code == 303, (posted, answer.text[-300:])
    assert "Hernoemd via formulier" in admin.get(path, params={"q": "Hernoemd"}).text
