"""CSV and Excel uploads: encodings, separators, row and column in every error, nothing written."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.capacity.models import AvailabilityReport, BedState
from verkeerstoren.registry.models import UnitBedType


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AvailabilityReport)) or 0


def _upload(browser: Browser, name: str, content: bytes) -> tuple[int, dict[str, object]]:
    answer = browser.post("/api/v1/availability/upload", files={"file": (name, content)})
    return answer.status_code, answer.json()


def test_an_excel_style_latin1_semicolon_csv_is_accepted(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    text = ("unit_id;bed_type_code;staffed;occupied;blocked;remark\n"
            f"{own_unit.unit_id};{own_unit.bed_type_code};2;1;0;Café-verbouwing\n")
    status, body = _upload(login("provider"), "bedden.csv", text.encode("cp1252"))
    assert status == 201, body
    session.expire_all()
    state = session.get(BedState, (own_unit.unit_id, own_unit.bed_type_code))
    assert state is not None
    assert state.remark == "Café-verbouwing"


def test_an_xlsx_upload_is_accepted(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["unit_id", "bed_type_code", "staffed", "occupied"])
    sheet.append([own_unit.unit_id, own_unit.bed_type_code, 2, 2])
    out = io.BytesIO()
    book.save(out)
    before = _count(session)
    status, _ = _upload(login("provider"), "bedden.xlsx", out.getvalue())
    assert status == 201
    assert _count(session) == before + 1


def test_a_bad_row_names_row_and_column_and_nothing_is_written(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    text = ("unit_id,bed_type_code,staffed,occupied\n"
            f"{own_unit.unit_id},{own_unit.bed_type_code},2,1\n"
            f"{own_unit.unit_id},{own_unit.bed_type_code},twee,1\n")
    before = _count(session)
    status, body = _upload(login("provider"), "x.csv", text.encode())
    assert status == 422
    errors = body["errors"]
    assert isinstance(errors, list)
    assert {"row": 3, "field": "staffed", "message": "not a whole number"} in errors
    assert _count(session) == before


def test_missing_columns_and_binary_garbage_are_refused_clearly(
    login: Callable[[str], Browser],
) -> None:
    provider = login("provider")
    status, body = _upload(provider, "x.csv", b"unit,beds\n1,2\n")
    assert status == 422
    assert "missing column(s): unit_id, bed_type_code, staffed, occupied" in str(body)
    status, body = _upload(provider, "x.csv", b"\x00\x01\x02\xff\xfe" * 50)
    assert status == 422
    status, body = _upload(provider, "x.xlsx", b"PK\x03\x04 not really a zip")
    assert status == 422
    assert "Excel" in str(body)


def test_the_upload_page_lists_row_errors_in_dutch(
    login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    provider = login("provider")
    text = f"unit_id,bed_type_code,staffed,occupied\n{own_unit.unit_id},x,1,5\n"
    page = provider.post("/capacity/upload", data={"csrf_token": provider.csrf},
                         files={"file": ("x.csv", text.encode(), "text/csv")})
    assert page.status_code == 422
    assert "Het bestand is niet opgeslagen" in page.text
    assert "bezet plus geblokkeerd kan niet meer zijn dan bemand" in page.text


def test_templates_can_be_downloaded(login: Callable[[str], Browser]) -> None:
    provider = login("provider")
    assert provider.get("/api/v1/availability/template.csv").text.startswith("unit_id,")
    xlsx = provider.get("/api/v1/availability/template.xlsx")
    assert xlsx.content.startswith(b"PK")
