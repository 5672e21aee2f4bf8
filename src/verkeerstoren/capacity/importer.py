"""Availability uploads: CSV (UTF-8 or Excel's latin-1, `,` or `;`) and Excel .xlsx.

The file is parsed and checked completely before anything is written; every problem names the
spreadsheet row (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from verkeerstoren import validation
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import ValidationErrors, ValidationProblem

COLUMNS = (
    "unit_id", "bed_type_code", "physical", "staffed", "occupied", "blocked",
    "blocked_reason", "expected_free_date", "remark",
)
REQUIRED = ("unit_id", "bed_type_code", "staffed", "occupied")
# The template's read-only columns naming the unit and the bed type (capacity/upload_template):
# for the person filling it in, ignored here. Only these: any other unknown column is still
# refused, as a misspelt "ocupied" must not be dropped silently.
HELPER_COLUMNS = ("afdeling", "bedtype")
KEYS = ("unit_id", "bed_type_code")
# Dutch Excel saves a date cell of a CSV as 2-1-2030 (or 2/1/2030): day first.
_DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
MAX_ROWS = 50_000
XLSX_MAGIC = b"PK\x03\x04"


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" as cp1252 (a superset of latin-1 for text like "é").
        return raw.decode("cp1252", errors="strict")


def _csv_rows(raw: bytes) -> Iterator[list[str]]:
    try:
        text = _decode(raw)
    except UnicodeDecodeError as exc:
        raise ValidationErrors([ValidationProblem(
            "file", "the file is neither UTF-8 nor Windows/latin-1 text", row=1)]) from exc
    if "\x00" in text[:1000]:
        raise ValidationErrors([ValidationProblem("file", "this is not a text CSV file", row=1)])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # newline="": a lone CR ends a line as in Excel for Mac, instead of breaking the reader.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:  # e.g. a field over the csv module's size limit: a 422, not a 500
        raise ValidationErrors([ValidationProblem(
            "file", "this is not a text CSV file", row=reader.line_num)]) from exc


def _xlsx_rows(raw: bytes) -> Iterator[list[str]]:
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationErrors([ValidationProblem(
            "file", "the Excel file cannot be read", row=1)]) from exc
    sheet = book.worksheets[0]
    for values in sheet.iter_rows(values_only=True):
        yield ["" if v is None else _cell_text(v) for v in values]
    book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _date_text(value: str) -> str:
    """A Dutch day-first date as ISO; anything else as is (the schema judges it)."""
    found = _DUTCH_DATE.fullmatch(value)
    if found is None:
        return value
    day, month, year = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def parse(raw: bytes, filename: str = "") -> list[tuple[int, ReportIn]]:
    """(row number, report) for each data row, or ValidationErrors naming row and column."""
    if not raw.strip():
        raise ValidationErrors([ValidationProblem("file", "the file is empty", row=1)])
    is_xlsx = raw.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx")
    return _validate(_xlsx_rows(raw) if is_xlsx else _csv_rows(raw))


def _validate(lines: Iterable[list[str]]) -> list[tuple[int, ReportIn]]:
    iterator = iter(lines)
    header = [h.strip().lower() for h in next(iterator, [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS and h not in HELPER_COLUMNS]
    if missing or unknown:
        found = []
        if missing:
            found.append(ValidationProblem("header", "missing column(s): {columns}", row=1,
                                           params={"columns": ", ".join(missing)}))
        if unknown:
            found.append(ValidationProblem("header", "unknown column(s): {columns}", row=1,
                                           params={"columns": ", ".join(unknown)}))
        raise ValidationErrors(found)
    reports: list[tuple[int, ReportIn]] = []
    problems: list[ValidationProblem] = []
    for number, cells in enumerate(iterator, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(reports) + len(problems) >= MAX_ROWS:
            problems.append(ValidationProblem("file", "more than {max} rows", row=number,
                                              params={"max": MAX_ROWS}))
            break
        record: dict[str, Any] = {}
        for name, cell in zip(header, cells, strict=False):
            value = cell.strip()
            if name and name not in HELPER_COLUMNS and value != "":
                record[name] = _date_text(value) if name == "expected_free_date" else value
        if not set(record) - set(KEYS):
            # A template row of a unit whose figures were not filled in: nothing to report.
            continue
        try:
            reports.append((number, ReportIn.model_validate(record)))
        except ValidationError as exc:
            problems.extend(validation.problems(exc, row=number))
        if len(problems) > 200:
            break
    if problems:
        raise ValidationErrors(problems)
    if not reports:
        raise ValidationErrors([ValidationProblem("file", "the file has no data rows", row=2)])
    return reports
