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
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "regiobord"
        sheet.append(list(HEADER))
        for row in _rows(board):
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), XLSX, "regiobord.xlsx"
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(_rows(board))
    return text.getvalue().encode("utf-8"), "text/csv; charset=utf-8", "regiobord.csv"
