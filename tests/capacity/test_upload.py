"""CSV and Excel uploads: encodings, separators, row and column in every error, nothing written."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.capacity import importer
from verkeerstoren.capacity.models import AvailabilityReport, BedState
from verkeerstoren.region_time import today as region_today
from verkeerstoren.registry.models import BedType, CareUnit, UnitBedType


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


def test_carriage_returns_and_oversized_fields_are_a_422_not_a_500(
    login: Callable[[str], Browser],
) -> None:
    # Found by schemathesis: a lone CR inside a field broke the csv module (500).
    provider = login("provider")
    status, body = _upload(provider, "file", b"\rG\xc3\x92Z\r")
    assert status == 422, body
    status, body = _upload(provider, "x.csv", b'"' + b"x" * 200_000 + b'"\n')
    assert status == 422, body
    # The one table reader names the row and why (tables/reading.py).
    assert body["errors"] == [{"row": 1, "field": "file",
                               "message": "Row 1 has a cell longer than 10000 characters."}]


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


def test_a_providers_template_lists_its_own_units_and_imports_back_unchanged(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType,
    other_unit: UnitBedType,
) -> None:
    provider = login("provider")
    own = {(u, c) for u, c in session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code).join(CareUnit)
        .where(CareUnit.organisation_id == own_unit.unit.organisation_id,
               CareUnit.active.is_(True)))}
    names = {b.code: b.name for b in session.scalars(select(BedType))}
    for fmt in ("csv", "xlsx"):
        answer = provider.get(f"/api/v1/availability/template.{fmt}")
        assert answer.status_code == 200
        if fmt == "csv":
            assert answer.content.startswith(b"\xef\xbb\xbfunit_id;bed_type_code;afdeling;")
            table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")),
                                    delimiter=";"))
        else:
            sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
            table = [["" if v is None else str(v) for v in row]
                     for row in sheet.iter_rows(values_only=True)]
        header, rows = table[0], table[1:]
        assert header[:4] == ["unit_id", "bed_type_code", "afdeling", "bedtype"]
        listed = {(int(r[0]), r[1]) for r in rows}
        assert listed == own
        assert (other_unit.unit_id, other_unit.bed_type_code) not in listed
        assert all(r[3] == names[r[1]] for r in rows)  # the bed type's Dutch name
        mine = next(r for r in rows if (int(r[0]), r[1]) == (own_unit.unit_id,
                                                             own_unit.bed_type_code))
        assert mine[2] == own_unit.unit.name
        # Through the real importer and service, all or nothing: every filled row is saved.
        parsed = importer.parse(answer.content, f"beschikbaarheid.{fmt}")
        filled = [r for r in rows if r[header.index("staffed")] != ""]
        assert len(parsed) == len(filled)
        state = session.get(BedState, (own_unit.unit_id, own_unit.bed_type_code))
        if state is not None and state.reported_at is not None:
            report = dict(parsed)[rows.index(mine) + 2]
            assert (report.staffed, report.occupied, report.blocked) == (
                state.staffed, state.occupied, state.blocked)
        before = _count(session)
        status, body = _upload(provider, f"beschikbaarheid.{fmt}", answer.content)
        assert status == 201, body
        assert body == {"accepted": len(filled)}
        assert _count(session) == before + len(filled)


def test_the_helper_columns_are_ignored_but_other_unknown_columns_refused(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    provider = login("provider")
    year = region_today().year + 3  # a plausible future date (dates stay near today)
    text = ("unit_id;bed_type_code;afdeling;bedtype;staffed;occupied;expected_free_date\n"
            f"{own_unit.unit_id};{own_unit.bed_type_code};Iets anders;Wat dan ook;2;1;2-1-{year}\n"
            f"{other_unit_free_row()}")
    status, body = _upload(provider, "x.csv", text.encode())
    assert status == 201, body
    session.expire_all()
    state = session.get(BedState, (own_unit.unit_id, own_unit.bed_type_code))
    assert state is not None
    assert str(state.expected_free_date) == f"{year}-01-02"  # Dutch Excel's day-first date
    status, body = _upload(provider, "x.csv", b"unit_id,bed_type_code,staffed,ocupied\n1,a,1,1\n")
    assert status == 422
    assert "unknown column(s): ocupied" in str(body)


def other_unit_free_row() -> str:
    """A template row of a unit left without figures: skipped, not an error."""
    return "999999;short_stay_high;Nog niet ingevuld;;;;\n"


def test_an_unscoped_user_gets_a_short_example(login: Callable[[str], Browser]) -> None:
    answer = login("admin").get("/api/v1/availability/template.csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][2].startswith("Voorbeeld")
    assert login("provider").get("/capacity/upload").text.count("<code>") >= 8


def test_a_whole_row_problem_shows_no_raw_field_name(
    login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    provider = login("provider")
    text = f"unit_id,bed_type_code,staffed,occupied\n{own_unit.unit_id},x,1,5\n"
    page = provider.post("/capacity/upload", data={"csrf_token": provider.csrf},
                         files={"file": ("x.csv", text.encode(), "text/csv")}).text
    assert "<td>hele rij</td>" in page
    assert "<td>row</td>" not in page
    page = provider.post("/capacity/upload", data={"csrf_token": provider.csrf},
                         files={"file": ("x.csv", b"unit,beds\n1,2\n", "text/csv")}).text
    assert "<td>kopregel</td>" in page
