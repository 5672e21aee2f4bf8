"""Uploaded tables (CSV or Excel) as rows of text: the one reader every importer uses.

The reader only turns bytes into rows and refuses what no importer can use, naming the row
(the header is row 1) and, where known, the column: a file over the importer's size limit,
unreadable CSV (an unclosed quote, a line that never ends), a cell longer than any field of
the tower, NUL characters (PostgreSQL cannot store them), a workbook without a worksheet.
Columns, values and writing are the importers' business.

CSV files may be UTF-8 (with or without BOM) or Excel's Windows-1252, separated by commas,
semicolons or tabs (the header line decides).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.tables.cells import unguard

XLSX_MAGIC = b"PK\x03\x04"
# Longer than any text field of the tower (remarks and narratives are at most a few thousand
# characters); below the csv module's own limit of 131,072, which it reports as an error.
MAX_CELL = 10_000
MAX_PROBLEMS = 200


def _refuse(message: str, *, row: int | None = None, field: str = "file",
            **params: object) -> ValidationErrors:
    return ValidationErrors([ValidationProblem(field, message, row=row, params=params)])


def decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (BOM dropped) or else Excel's Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # never fails: every byte is a character


def sniff_delimiter(text: str) -> str:
    """The separator used in the header line: the most frequent of ; , and tab."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def column_name(raw: str) -> str:
    """A header cell as a column key: 'Bed type' and 'bed-type' are both bed_type."""
    return re.sub(r"[\s\-]+", "_", raw.strip().strip("\ufeff").lower())


def check_size(data: bytes, max_bytes: int) -> None:
    """Refuse a file over the importer's limit before reading it."""
    if len(data) > max_bytes:
        raise _refuse("The file is larger than {mb} MB.", mb=max_bytes // (1024 * 1024))


def csv_rows(data: bytes) -> list[list[str]]:
    """Every line of a CSV file as cells (strict quoting: an unclosed quote is refused)."""
    text = decode(data)
    nul = text.find("\x00")
    if nul >= 0:
        raise _refuse("This is not a CSV text file (a NUL character in row {line}).",
                      row=text.count("\n", 0, nul) + 1, line=text.count("\n", 0, nul) + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text),
                        strict=True)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            rows.append(cells)
    except csv.Error as exc:
        row = len(rows) + 1
        if "field larger than field limit" in str(exc):
            raise _refuse("Row {line} has a cell longer than {max} characters.", row=row,
                          line=row, max=MAX_CELL) from None
        raise _refuse("Row {line} cannot be read as CSV (is a quote not closed?).", row=row,
                      line=row) from None
    return [[unguard(c) for c in cells] for cells in rows]


def xlsx_cell(value: object) -> str:
    """An Excel cell's value as text: dates as ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unguard(str(value))


def xlsx_rows(data: bytes, *, max_rows: int | None = None) -> list[list[str]]:
    """The first worksheet's rows as text (at most ``max_rows`` of them when given)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise _refuse("The Excel file cannot be read.") from None
    try:
        if not book.worksheets:
            raise _refuse("The Excel file has no worksheet.")
        sheet = book.worksheets[0]
        return [[xlsx_cell(v) for v in row]
                for row in sheet.iter_rows(values_only=True, max_row=max_rows)]
    except ValidationErrors:
        raise
    except Exception:  # a damaged sheet inside a readable zip
        raise _refuse("The Excel file cannot be read.") from None
    finally:
        book.close()


def is_xlsx(data: bytes, filename: str = "") -> bool:
    """An Excel workbook by its zip signature or its name."""
    return data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx")


def check_cells(rows: list[list[str]]) -> None:
    """Refuse NUL characters and over-long cells, naming row and column (header: row 1)."""
    header = [column_name(c) for c in rows[0]] if rows else []
    problems: list[ValidationProblem] = []
    for number, cells in enumerate(rows, start=1):
        for index, cell in enumerate(cells):
            field = header[index] if index < len(header) and header[index] else \
                f"column {index + 1}"
            if "\x00" in cell:
                problems.append(ValidationProblem(
                    field, "Contains a NUL character, which is not allowed.", row=number))
            elif len(cell) > MAX_CELL:
                problems.append(ValidationProblem(
                    field, "Longer than {max} characters.", row=number,
                    params={"max": MAX_CELL}))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ValidationErrors(problems)


def read_rows(data: bytes, *, max_bytes: int, filename: str = "",
              max_rows: int | None = None) -> list[list[str]]:
    """Every row (the header first) of a CSV or Excel upload, checked as above."""
    check_size(data, max_bytes)
    rows = xlsx_rows(data, max_rows=max_rows) if is_xlsx(data, filename) else csv_rows(data)
    check_cells(rows)
    return rows
