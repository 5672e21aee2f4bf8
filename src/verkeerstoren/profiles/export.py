"""Tables as CSV or Excel, and number formatting for pages (shared by profiles and waits)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from verkeerstoren.tables.cells import safe

CellValue = str | int | float | None
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "svg": "image/svg+xml",
}


def table(fmt: str, headers: Sequence[str], rows: Sequence[Sequence[CellValue]],
          *, sheet: str = "", source: str = "") -> bytes:
    """The rows as CSV (UTF-8 with BOM, ';' for Dutch Excel) or as an Excel workbook."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(headers)
        writer.writerows([[safe(v) for v in row] for row in rows])
        if source:
            writer.writerow([])
            writer.writerow([f"Bron: {source}"])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        worksheet = book.active
        assert worksheet is not None
        worksheet.title = (sheet or "data")[:31]
        worksheet.append(list(headers))
        for row in rows:
            worksheet.append([safe(v) for v in row])
        if source:
            worksheet.append([])
            worksheet.append([f"Bron: {source}"])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise ValueError(f"unknown table format {fmt!r}")


def number(value: float | None, decimals: int = 0, locale: str = "nl") -> str:
    """A figure for display: thousands separated, Dutch decimal comma; '–' when not published."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if locale == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text
