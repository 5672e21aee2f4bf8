"""CSV import: all or nothing, every problem with its row and column, Excel files accepted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.registry.conftest import DemoOrgs
from verkeerstoren.access.actor import system_actor
from verkeerstoren.errors import ValidationErrors
from verkeerstoren.registry import importer
from verkeerstoren.registry.models import CareUnit, Location, NursingTeam, Organisation

ADMIN = system_actor("test")
Login = Callable[[str], Browser]

UNITS = (
    "organisation,organisation_kind,location,postcode,gemeente_code,wijk_code,latitude,"
    "longitude,unit,bed_type,physical_beds,features\n"
    "Importzorg,provider,Huis Import,2711 ab,GM0637,{wijk},\"52,06\",4.49,Afdeling A,"
    "short_stay_high,6,oxygen;isolation\n"
    "Importzorg,provider,Huis Import,2711 ab,GM0637,{wijk},\"52,06\",4.49,Afdeling A,"
    "GRZ (geriatrische revalidatiezorg),2,Zuurstof\n"
    "Importzorg,,Huis Import,2711 ab,GM0637,{wijk},\"52,06\",4.49,Afdeling B,hospice,3,\n"
)


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_units_file_creates_organisation_location_and_units(
    session: Session, orgs: DemoOrgs
) -> None:
    data = UNITS.format(wijk=orgs.wijk.code).encode()
    summary = importer.import_csv(session, "units", data)
    assert (summary.rows, summary.organisations_created, summary.locations_created,
            summary.units_created) == (3, 1, 1, 2)
    unit = session.scalars(select(CareUnit).where(CareUnit.name == "Afdeling A")).one()
    assert sorted((b.bed_type_code, b.physical_beds) for b in unit.bed_types) == [
        ("geriatric_rehab", 2), ("short_stay_high", 6)]
    assert sorted(f.code for f in unit.features) == ["isolation", "oxygen"]
    assert unit.location.latitude == 52.06
    again = importer.import_csv(session, "units", data)
    assert (again.organisations_created, again.units_created, again.units_updated) == (0, 0, 0)


def test_a_latin1_semicolon_file_from_excel_is_accepted(session: Session) -> None:
    text = (
        "organisation;location;postcode;gemeente_code;unit;bed_type;physical_beds\r\n"
        "Zorg Één;Huis Café;2711AB;GM0637;Afdeling Ü;hospice;4\r\n"
    )
    summary = importer.import_csv(session, "units", text.encode("cp1252"))
    assert summary.units_created == 1
    names = session.scalars(select(Organisation.name).where(Organisation.name == "Zorg Één"))
    assert names.one() == "Zorg Één"


def test_every_bad_row_is_reported_and_nothing_is_written(session: Session) -> None:
    before = (_count(session, Organisation), _count(session, Location), _count(session, CareUnit))
    text = (
        "\ufefforganisation,location,postcode,gemeente_code,unit,bed_type,physical_beds,features\n"
        "Goede Zorg,Huis,2711AB,GM0637,Afdeling,hospice,4,\n"
        "Foute Zorg,Huis,99,GM9999,Afdeling,no_such_type,-1,wings\n"
        ",Huis,2711AB,GM0637,Afdeling,hospice,x,\n"
    )
    with pytest.raises(ValidationErrors) as caught:
        importer.import_csv(session, "units", text.encode())
    where = {(p.row, p.field) for p in caught.value.problems}
    assert {(3, "postcode"), (3, "bed_type"), (3, "physical_beds"), (3, "features"),
            (4, "organisation"), (4, "physical_beds")} <= where
    assert all(p.row != 2 for p in caught.value.problems)
    after = (_count(session, Organisation), _count(session, Location), _count(session, CareUnit))
    assert after == before


def test_missing_and_unknown_columns_are_named(session: Session) -> None:
    with pytest.raises(ValidationErrors) as caught:
        importer.import_csv(session, "teams", b"organisation,colour\nX,blue\n")
    messages = [p.text for p in caught.value.problems]
    assert messages == ["Missing columns: team.", "Unknown columns: colour."]


def test_a_teams_file_sets_skills_and_service_areas(session: Session, orgs: DemoOrgs) -> None:
    text = (
        "organisation;team;phone;email;skills;service_areas\n"
        f"{orgs.own.name};Wijkteam Import;079 1234567;import@example.nl;"
        f"palliative|Wondzorg;\"2711-2729;{orgs.wijk.code}\"\n"
    )
    summary = importer.import_csv(session, "teams", text.encode())
    assert summary.teams_created == 1
    team = session.scalars(select(NursingTeam).where(NursingTeam.name == "Wijkteam Import")).one()
    assert sorted(s.code for s in team.skills) == ["palliative", "wound_care"]
    assert [(a.postcode_from, a.postcode_to, a.wijk_code) for a in team.service_areas] == [
        (2711, 2729, None), (None, None, orgs.wijk.code)]


def test_the_templates_can_be_imported_as_they_are(session: Session) -> None:
    for kind in importer.KINDS:
        header = importer.template_csv(kind).splitlines()[0].split(",")
        assert tuple(header) == importer.COLUMNS[kind]
    summary = importer.import_csv(session, "units", importer.template_csv("units").encode())
    assert summary.units_created == 1


def test_the_import_api_is_for_admins_and_answers_422_with_rows(
    login: Login, orgs: DemoOrgs, session: Session
) -> None:
    files = {"file": ("units.csv", UNITS.format(wijk=orgs.wijk.code).encode(), "text/csv")}
    assert login("provider").post("/api/v1/registry/import?kind=units",
                                  files=files).status_code == 403
    admin = login("admin")
    answer = admin.post("/api/v1/registry/import?kind=units", files=files)
    assert answer.status_code == 200, answer.text
    assert answer.json()["units_created"] == 2
    bad = admin.post("/api/v1/registry/import?kind=teams", files={
        "file": ("teams.csv", b"organisation,team,email\nNiemand,Team,geen-mail\n", "text/csv")})
    assert bad.status_code == 422
    assert {(e["row"], e["field"]) for e in bad.json()["errors"]} == {
        (2, "organisation"), (2, "email")}
    assert session.scalars(select(NursingTeam).where(NursingTeam.name == "Team")).first() is None


def test_the_import_page_shows_every_problem_in_dutch(login: Login) -> None:
    admin = login("admin")
    page = admin.get("/registry/import")
    assert "/registry/import/template/units.csv" in page.text
    template = admin.get("/registry/import/template/teams.csv")
    assert template.status_code == 200
    assert template.text.lstrip("\ufeff").startswith("organisation,team")
    answer = admin.post("/registry/import", data={"kind": "units"}, files={
        "file": ("u.csv", b"organisation,location,postcode,gemeente_code,unit,bed_type,"
                 b"physical_beds\nA,B,99,GM0637,C,hospice,2\n", "text/csv")})
    assert answer.status_code == 422
    assert "Een postcode ziet eruit als 1234AB." in answer.text
    assert "<td>2</td>" in answer.text
