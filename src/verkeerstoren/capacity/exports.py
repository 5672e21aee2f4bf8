"""Board tables as CSV and Excel files, made for Dutch Excel (docs/exports.md).

CSV: UTF-8 with a byte-order mark and ``;`` between fields. Dutch Excel takes ``,`` as the
decimal comma, so a comma-separated file opened in one column; without the BOM it read the text
as Windows-1252 ("CafÃ©"). Times are Dutch local time (Europe/Amsterdam) as ISO 8601 with the
offset and whole seconds, so a program reading the file still knows the exact moment; dates
are ISO (YYYY-MM-DD).

Excel: dates and times are real Excel dates (sortable, filterable), times in Dutch local time
because Excel cells cannot hold a time zone; the column header says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime

from openpyxl import Workbook

from verkeerstoren.capacity.schemas import Board
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.tables.cells import safe

REPORTED_AT = "Gemeld op (Nederlandse tijd)"
HEADER = (
    "Organisatie", "Locatie", "Afdeling", "Afdeling-id", "Gemeente", "Bedtype", "Bedtype-code",
    "Fysiek", "Bemand", "Bezet", "Geblokkeerd", "Gereserveerd", "Beschikbaar", "Verwacht vrij",
    REPORTED_AT, "Verouderd",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
BOM = "\ufeff"
DATE_FORMAT = "dd-mm-yyyy"
TIME_FORMAT = "dd-mm-yyyy hh:mm:ss"


def _rows(board: Board) -> list[list[object]]:
    return [
        [r.organisation, r.location, r.unit, r.unit_id, r.gemeente, r.bed_type, r.bed_type_code,
         r.physical, r.staffed, r.occupied, r.blocked, r.held, r.available,
         r.expected_free_date, r.reported_at, "ja" if r.stale else "nee"]
        for r in board.rows
    ]


def board_file(board: Board, fmt: str) -> tuple[bytes, str, str]:
    """The board as (content, media type, file name) in the requested format (csv or xlsx)."""
    return table_file(list(HEADER), _rows(board), fmt, "regiobord")


def local_time(moment: datetime) -> datetime:
    """A stored moment (UTC; naive counts as UTC) in Dutch local time, whole seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(REGION_TZ).replace(microsecond=0)


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return safe(value)


def _xlsx_cell(value: object) -> tuple[str | float | date | None, str | None]:
    """The cell's value and number format: Excel cells have no time zone, so local and naive."""
    if isinstance(value, datetime):
        return local_time(value).replace(tzinfo=None), TIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, str):
        return str(safe(value)), None
    if value is None or isinstance(value, int | float):
        return value, None
    return str(safe(str(value))), None


def table_file(header: Sequence[str], rows: Sequence[Sequence[object]], fmt: str, name: str
               ) -> tuple[bytes, str, str]:
    """A table as (content, media type, file name) in the requested format (csv or xlsx).
    Cells may be text, numbers, dates and (aware or UTC) datetimes; None is an empty cell."""
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = name[:31]  # Excel's limit for a sheet name
        sheet.append(list(header))
        for number, row in enumerate(rows, start=2):
            for column, value in enumerate(row, start=1):
                cell_value, number_format = _xlsx_cell(value)
                cell = sheet.cell(row=number, column=column, value=cell_value)
                if number_format is not None:
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"  # the header stays in view while scrolling
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), XLSX, f"{name}.xlsx"
    text = io.StringIO()
    text.write(BOM)
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return text.getvalue().encode("utf-8"), CSV, f"{name}.csv"
