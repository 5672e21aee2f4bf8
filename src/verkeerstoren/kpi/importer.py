"""All-or-nothing import of measurements from CSV or Excel.

Columns: indicator (code), period (2026, 2026Q3, 2026-07), area (empty for the region, a
gemeente GM…, a wijk WK…), value, narrative, note. Every row is checked before anything is
written and every problem names its spreadsheet row (the header is row 1). A file must use one
decimal mark throughout: a mix of "1,5" and "1.5" is refused, since one of them is surely read
wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren import validation
from verkeerstoren.access.actor import Actor
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.kpi.models import Indicator, MeasurementSource
from verkeerstoren.kpi.schemas import MeasurementIn
from verkeerstoren.kpi.service import (
    CheckedMeasurement,
    check_measurement,
    require_edit,
    write_measurements,
)
from verkeerstoren.tables import reading

COLUMNS = ("indicator", "period", "area", "value", "narrative", "note")
REQUIRED = frozenset({"indicator", "period"})
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

_INT = re.compile(r"^-?\d+$")
_DOT = re.compile(r"^-?\d+\.\d+$")
_COMMA = re.compile(r"^-?\d+,\d+$")


@dataclass(frozen=True)
class ImportSummary:
    """How many measurements were written new, replaced, or kept as they were."""

    written: int
    replaced: int
    kept: int


def template_csv() -> str:
    """A CSV with the header and two example rows (a number and a narrative)."""
    return ("indicator;period;area;value;narrative;note\r\n"
            "K7;2026Q3;;91,5;;\r\n"
            "K1;2026Q3;;;Tussen wal en schip-overleg loopt per kwartaal;\r\n")


def read_table(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row, cells by column) of every non-empty row of a CSV or Excel file."""
    rows = reading.read_rows(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS + 2)
    rows = [[c.strip() for c in cells] for cells in rows]
    if not rows or not any(rows[0]):
        raise ValidationErrors([ValidationProblem("file", "The file is empty.")])
    header = [reading.column_name(c) for c in rows[0]]
    problems: list[ValidationProblem] = []
    if missing := sorted(REQUIRED - set(header)):
        problems.append(ValidationProblem("file", "Missing columns: {columns}.",
                                          columns=", ".join(missing)))
    if unknown := [c for c in header if c and c not in COLUMNS]:
        problems.append(ValidationProblem("file", "Unknown columns: {columns}.",
                                          columns=", ".join(unknown[:20])))
    if len(rows) > MAX_ROWS + 1:
        problems.append(ValidationProblem("file", "The file has more than {n} rows.", n=MAX_ROWS))
    if problems:
        raise ValidationErrors(problems)
    out: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if any(c.strip() for c in cells[len(header):]):
            problems.append(ValidationProblem("file",
                                              "The row has more cells than the header; is a "
                                              "decimal comma used in a comma-separated file?",
                                              row=number))
            continue
        out.append((number, {col: (cells[i].strip() if i < len(cells) else "")
                             for i, col in enumerate(header) if col}))
    if problems:
        raise ValidationErrors(problems)
    return out


def _decimal_marks(rows: list[tuple[int, dict[str, str]]]) -> list[ValidationProblem]:
    """Refuse a file that writes decimals both with a comma and with a point."""
    first: str | None = None
    problems: list[ValidationProblem] = []
    for number, record in rows:
        raw = record.get("value", "")
        mark = "," if _COMMA.match(raw) else "." if _DOT.match(raw) else None
        if mark is None:
            continue
        if first is None:
            first = mark
        elif mark != first:
            problems.append(ValidationProblem("value",
                                              "Mixed decimal marks: {value} uses '{mark}' where "
                                              "earlier rows use '{first}'.", row=number, value=raw,
                                              mark=mark, first=first))
    return problems


def _number(raw: str, row: int) -> float | None:
    if not raw:
        return None
    if _INT.match(raw) or _DOT.match(raw):
        return float(raw)
    if _COMMA.match(raw):
        return float(raw.replace(",", "."))
    raise ValidationErrors([ValidationProblem("value", "{value} is not a number (no thousands "
                                              "separators).", row=row, value=raw)])


def import_measurements(
    session: Session, actor: Actor, data: bytes, *, today: date, on_duplicate: str = "ask"
) -> ImportSummary:
    """Check every row, then write all of them, or nothing when any row is wrong."""
    require_edit(actor)
    rows = read_table(data)
    if problems := _decimal_marks(rows):
        raise ValidationErrors(problems)
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    checked: list[CheckedMeasurement] = []
    seen: dict[tuple[str, str, str], int] = {}
    problems = []
    for number, record in rows:
        try:
            data_in = MeasurementIn(
                indicator=record.get("indicator", ""), period=record.get("period", ""),
                area=record.get("area", ""), value=_number(record.get("value", ""), number),
                narrative=record.get("narrative") or None, note=record.get("note") or None)
            item = check_measurement(session, data_in, today=today, row=number,
                                     indicators=indicators)
        except ValidationErrors as exc:
            problems.extend(exc.problems)
            continue
        except ValidationError as exc:
            problems.extend(validation.problems(exc, number, top_level=True)[:5])
            continue
        key = (item.indicator.code, item.period.label, item.area_code)
        if key in seen:
            problems.append(ValidationProblem("period",
                                              "Same indicator, period and area as row {other}.",
                                              row=number, other=seen[key]))
            continue
        seen[key] = number
        checked.append(item)
    if problems:
        raise ValidationErrors(problems)
    written, replaced, kept = write_measurements(
        session, actor, checked, on_duplicate=on_duplicate, source=MeasurementSource.IMPORT)
    return ImportSummary(written, replaced, kept)
