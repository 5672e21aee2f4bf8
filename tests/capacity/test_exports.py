"""Board and history exports open in Dutch Excel: CSV with BOM and ';', typed Excel cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import exports, service
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.registry.models import UnitBedType


def _report(session: Session, unit: UnitBedType) -> None:
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=unit.unit_id, bed_type_code=unit.bed_type_code, staffed=3, occupied=1,
        expected_free_date=date(2030, 1, 2))], ReportSource.API)


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8, not cp1252
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_board_csv_has_a_bom_semicolons_and_local_times_with_offset(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    _report(session, own_unit)
    answer = login("coordinator").get("/api/v1/board/export", params={"format": "csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = _csv(answer.content)
    assert rows[0] == list(exports.HEADER)
    assert "Gemeld op (Nederlandse tijd)" in rows[0]
    column = {name: i for i, name in enumerate(rows[0])}
    mine = next(r for r in rows[1:] if r[column["Afdeling-id"]] == str(own_unit.unit_id)
                and r[column["Bedtype-code"]] == own_unit.bed_type_code)
    assert mine[column["Verwacht vrij"]] == "2030-01-02"
    stamp = datetime.fromisoformat(mine[column["Gemeld op (Nederlandse tijd)"]])
    assert stamp.microsecond == 0
    assert stamp.utcoffset() == stamp.astimezone(REGION_TZ).utcoffset()  # Dutch offset
    assert abs((stamp - datetime.now(UTC)).total_seconds()) < 3600
    assert "." not in mine[column["Gemeld op (Nederlandse tijd)"]]
    assert mine[column["Bemand"]] == "3"
    assert all(len(r) == len(rows[0]) for r in rows)


def test_the_board_xlsx_has_real_dates_and_local_times(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    _report(session, own_unit)
    answer = login("coordinator").get("/api/v1/board/export", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(exports.HEADER)
    column = {name: i for i, name in enumerate(rows[0])}
    mine = next(r for r in rows[1:] if r[column["Afdeling-id"]] == own_unit.unit_id
                and r[column["Bedtype-code"]] == own_unit.bed_type_code)
    free = mine[column["Verwacht vrij"]]
    assert isinstance(free, datetime)  # a date cell
    assert free.date() == date(2030, 1, 2)
    stamp = mine[column["Gemeld op (Nederlandse tijd)"]]
    assert isinstance(stamp, datetime)
    assert stamp.microsecond == 0
    now_local = datetime.now(REGION_TZ).replace(tzinfo=None)
    assert abs((stamp - now_local).total_seconds()) < 3600  # Dutch wall-clock, not UTC
    assert mine[column["Bemand"]] == 3
    number = column["Gemeld op (Nederlandse tijd)"] + 1
    row_number = rows.index(mine) + 1
    cell = sheet.cell(row=row_number, column=number)
    assert isinstance(cell, Cell)
    assert cell.is_date


def test_the_history_exports_have_a_real_day_and_dutch_headers(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    _report(session, own_unit)
    coordinator = login("coordinator")
    rows = _csv(coordinator.get("/board/history/export", params={"format": "csv"}).content)
    assert rows[0] == ["Dag", "Bedtype-code", "Bedtype", "Bemand", "Bezet", "Geblokkeerd",
                       "Beschikbaar"]
    assert len(rows) > 1
    date.fromisoformat(rows[1][0])
    xlsx = coordinator.get("/board/history/export", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    cell = sheet.cell(row=2, column=1)
    assert isinstance(cell, Cell)
    assert cell.is_date


def test_a_naive_time_counts_as_utc_and_a_summer_time_gets_its_offset() -> None:
    content, _, _ = exports.table_file(
        ["Tijd"], [[datetime(2026, 7, 1, 10, 0, 0, 123456)],  # noqa: DTZ001 (naive on purpose)
                   [datetime(2026, 1, 1, 10, 0, tzinfo=UTC)]], "csv", "x")
    assert _csv(content)[1:] == [["2026-07-01T12:00:00+02:00"], ["2026-01-01T11:00:00+01:00"]]
