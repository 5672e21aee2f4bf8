"""Board tables as CSV and Excel files."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from verkeerstoren.capacity.schemas import Board

HEADER = (
    "organisatie", "locatie", "afdeling", "gemeente", "bedtype", "fysiek", "bemand", "bezet",
    "geblokkeerd", "gereserveerd", "beschikbaar", "verwacht_vrij", "gemeld_op", "verouderd",
)


def _rows(board: Board) -> list[list[object]]:
    return [
        [r.organisation, r.location, r.unit, r.gemeente, r.bed_type, r.physical, r.staffed,
         r.occupied, r.blocked, r.held, r.available,
         r.expected_free_date.isoformat() if r.expected_free_date else "",
         r.reported_at.isoformat() if r.reported_at else "", "ja" if r.stale else "nee"]
        for r in board.rows
    ]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def board_file(board: Board, fmt: str) -> tuple[bytes, str, str]:
    """The board as (content, media type, file name) in the requested format (csv or xlsx)."""
    return table_file(list(HEADER), _rows(board), fmt, "regiobord")


def table_file(header: list[str], rows: list[list[object]], fmt: str, name: str
               ) -> tuple[bytes, str, str]:
    """A table as (content, media type, file name) in the requested format (csv or xlsx)."""
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = name[:31]  # Excel's limit for a sheet name
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), XLSX, f"{name}.xlsx"
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8"), "text/csv; charset=utf-8", f"{name}.csv"
