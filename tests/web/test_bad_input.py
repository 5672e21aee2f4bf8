"""Bad input that once gave a 500 (or was stored): each is a 4xx naming the field or row, and
nothing is written. Runs on SQLite and PostgreSQL (NUL characters break only PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.models import User
from verkeerstoren.capacity.models import AvailabilityReport, BedState
from verkeerstoren.errors import ValidationErrors
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.registry import importer as registry_importer
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.waiting_times.models import WaitReport

Login = Callable[[str], Browser]
HEADER = "unit_id,bed_type_code,staffed,occupied,remark\n"


def _count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def _own_unit(session: Session) -> UnitBedType:
    user = session.scalar(select(User).where(User.email.startswith("provider@")))
    assert user is not None
    found = session.scalars(
        select(UnitBedType).join(CareUnit)
        .where(CareUnit.organisation_id == user.organisation_id, UnitBedType.physical_beds >= 4)
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)).first()
    assert found is not None
    return found


def _fields(answer: object) -> list[tuple[object, object]]:
    body = answer.json()  # type: ignore[attr-defined]
    return [(e.get("row"), e["field"]) for e in body["errors"]]


def _request(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "pseudonym": "bad-input-00001", "birth_year": 1942, "sex": "f", "postcode_area": 2712,
        "referrer_name": "Dr. Test", "bed_types": ["short_stay_high"],
        "wanted_start": "2026-01-01", "financing": "zvw", "urgency": "today"}
    values.update(overrides)
    return values


def _upload(browser: Browser, name: str, content: bytes) -> object:
    return browser.post("/api/v1/availability/upload", files={"file": (name, content)})


# --- NUL characters: one check for every route ---------------------------------------------


def test_a_nul_in_a_json_field_is_a_422_naming_it(login: Login, session: Session) -> None:
    unit = _own_unit(session)
    provider = login("provider")
    before = _count(session, AvailabilityReport)
    answer = provider.post("/api/v1/availability", json={
        "unit_id": unit.unit_id, "bed_type_code": unit.bed_type_code, "staffed": 1,
        "occupied": 0, "remark": "vol\x00ledig"})
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [(None, "remark")]
    assert _count(session, AvailabilityReport) == before

    coordinator = login("coordinator")
    requests = _count(session, PlacementRequest)
    answer = coordinator.post("/api/v1/placement/requests",
                              json=_request(referrer_name="Dr.\x00Test"))
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [(None, "referrer_name")]
    assert _count(session, PlacementRequest) == requests


def test_a_nul_in_a_query_parameter_is_a_422_naming_it(login: Login, session: Session) -> None:
    unit = _own_unit(session)
    provider = login("provider")
    answer = provider.get(f"/api/v1/units/{unit.unit_id}/availability?bed_type=%00")
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [(None, "bed_type")]
    page = provider.get("/wachttijden?care_type=a%00b")
    assert page.status_code == 422
    assert "care_type" in page.text


def test_a_nul_in_a_form_field_is_a_422_naming_it(login: Login, session: Session) -> None:
    provider = login("provider")
    before = _count(session, WaitReport)
    answer = provider.post("/wachttijden/melden", data={
        "csrf_token": provider.csrf, "sector": "ouderenzorg", "care_type": "verpleeg\x00huis",
        "treatment_weeks": "4"}, follow_redirects=False)
    assert answer.status_code == 422, answer.text
    assert "care_type" in answer.text
    assert _count(session, WaitReport) == before


def test_a_nul_in_a_csv_cell_names_the_row(login: Login, session: Session) -> None:
    unit = _own_unit(session)
    provider = login("provider")
    before = _count(session, AvailabilityReport)
    content = (HEADER + f"{unit.unit_id},{unit.bed_type_code},1,0,ok\n"
               f"{unit.unit_id},{unit.bed_type_code},1,0,vol\x00\n").encode()
    answer = _upload(provider, "x.csv", content)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert _fields(answer) == [(3, "file")]
    assert _count(session, AvailabilityReport) == before


# --- CSV and Excel files the csv module or openpyxl choked on ------------------------------


def test_a_cell_over_the_csv_field_limit_names_its_row(login: Login, session: Session) -> None:
    unit = _own_unit(session)
    provider = login("provider")
    before = _count(session, AvailabilityReport)
    long_cell = "x" * 131_073
    content = (HEADER + f"{unit.unit_id},{unit.bed_type_code},1,0,{long_cell}\n").encode()
    answer = _upload(provider, "x.csv", content)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert _fields(answer) == [(2, "file")]
    assert _count(session, AvailabilityReport) == before
    with pytest.raises(ValidationErrors) as refused:
        registry_importer.read_rows(
            ("organisation,team\n" + f"Zorg,{long_cell}\n").encode(), "teams").__next__()
    assert [p.row for p in refused.value.problems] == [2]


def test_one_15_mb_line_is_refused(login: Login, session: Session) -> None:
    provider = login("provider")
    before = _count(session, AvailabilityReport)
    answer = _upload(provider, "x.csv", b"unit_id," + b"y" * (15 * 1024 * 1024) + b"\n")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert _fields(answer) == [(1, "file")]
    assert _count(session, AvailabilityReport) == before


def test_an_unclosed_quote_is_refused_naming_the_row(login: Login, session: Session) -> None:
    unit = _own_unit(session)
    provider = login("provider")
    before = _count(session, AvailabilityReport)
    content = (HEADER + f"{unit.unit_id},{unit.bed_type_code},1,0,ok\n"
               f'{unit.unit_id},{unit.bed_type_code},1,0,"never closed\n').encode()
    answer = _upload(provider, "x.csv", content)
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    assert _fields(answer) == [(3, "file")]
    assert _count(session, AvailabilityReport) == before


def _workbook_without_sheets() -> bytes:
    book = Workbook()
    saved = io.BytesIO()
    book.save(saved)
    source = zipfile.ZipFile(io.BytesIO(saved.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/workbook.xml":
                data = re.sub(rb"<sheet [^>]*/>", b"", data)
            target.writestr(name, data)
    return out.getvalue()


def test_an_excel_file_without_a_worksheet_is_a_422(login: Login, session: Session) -> None:
    provider = login("provider")
    answer = _upload(provider, "x.xlsx", _workbook_without_sheets())
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "no worksheet" in answer.text  # type: ignore[attr-defined]
    analyst = login("analyst")
    answer = analyst.post("/api/v1/kpi/measurements/import",
                          content=_workbook_without_sheets())
    assert answer.status_code == 422, answer.text


# --- dates far from today -----------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_far_from_today_is_a_422_naming_the_field(
    login: Login, session: Session, day: str
) -> None:
    coordinator = login("coordinator")
    requests = _count(session, PlacementRequest)
    answer = coordinator.post("/api/v1/placement/requests", json=_request(wanted_start=day))
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [(None, "wanted_start")]
    assert _count(session, PlacementRequest) == requests

    unit = _own_unit(session)
    provider = login("provider")
    before = _count(session, AvailabilityReport)
    answer = provider.post("/api/v1/availability", json={
        "unit_id": unit.unit_id, "bed_type_code": unit.bed_type_code, "staffed": 1,
        "occupied": 0, "expected_free_date": day})
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [(None, "expected_free_date")]
    assert _count(session, AvailabilityReport) == before


# --- formulas in what the tower writes -----------------------------------------------------


def test_the_upload_templates_neutralise_formulas_and_import_back(
    login: Login, session: Session
) -> None:
    unit = _own_unit(session)
    unit.unit.name = '=HYPERLINK("http://evil.example","klik")'
    session.flush()
    provider = login("provider")
    answer = provider.post("/api/v1/availability", json={
        "unit_id": unit.unit_id, "bed_type_code": unit.bed_type_code, "staffed": 2,
        "occupied": 1, "remark": "-2 door lekkage"})
    assert answer.status_code == 201, answer.text
    for fmt in ("csv", "xlsx"):
        template = provider.get(f"/api/v1/availability/template.{fmt}")
        assert template.status_code == 200
        if fmt == "csv":
            table = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig")),
                                    delimiter=";"))
            cells = [c for row in table for c in row]
        else:
            sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
            cells = [str(c.value) for row in sheet.iter_rows() for c in row
                     if c.value is not None]
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
        assert "'=HYPERLINK(\"http://evil.example\",\"klik\")" in cells
        uploaded = _upload(provider, f"t.{fmt}", template.content)
        assert uploaded.status_code == 201, uploaded.text  # type: ignore[attr-defined]
        state = session.get(BedState, (unit.unit_id, unit.bed_type_code))
        assert state is not None
        session.refresh(state)
        assert state.remark == "-2 door lekkage"  # the guard is taken off again on import
