"""Availability uploads: CSV (UTF-8 or Excel's latin-1, `,` or `;`) and Excel .xlsx.

The file is parsed and checked completely before anything is written; every problem names the
spreadsheet row (the header is row 1) and the column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from verkeerstoren import validation
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.tables import reading

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
# 50,000 rows of figures and a remark each fit in well under this.
MAX_BYTES = 20 * 1024 * 1024
XLSX_MAGIC = reading.XLSX_MAGIC


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
    return _validate(reading.read_rows(raw, max_bytes=MAX_BYTES, filename=filename,
                                       max_rows=MAX_ROWS + 2))


def _validate(lines: Iterable[list[str]]) -> list[tuple[int, ReportIn]]:
    iterator = iter(lines)
    header = [reading.column_name(h) for h in next(iterator, [])]
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
