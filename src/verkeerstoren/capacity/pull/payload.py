"""Reading a pulled payload: CSV as an upload, JSON as a list or {"reports": [...]}."""

from __future__ import annotations

import json

from pydantic import ValidationError

from verkeerstoren import validation
from verkeerstoren.capacity import importer
from verkeerstoren.capacity.models import PullFormat
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import ValidationErrors, ValidationProblem


def parse_payload(raw: bytes, fmt: PullFormat) -> list[tuple[int, ReportIn]]:
    """(row number, report) pairs; raises ValidationErrors naming every bad row."""
    if fmt is PullFormat.CSV:
        return importer.parse(raw, "pull.csv")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationErrors([ValidationProblem(
            "file", "this is not valid JSON", row=1)]) from exc
    if isinstance(data, dict) and set(data) == {"reports"}:
        data = data["reports"]
    if not isinstance(data, list):
        raise ValidationErrors([ValidationProblem(
            "file", 'expected a list of reports, or an object with a "reports" list', row=1)])
    if not data:
        raise ValidationErrors([ValidationProblem("file", "the file has no data rows", row=1)])
    if len(data) > importer.MAX_ROWS:
        raise ValidationErrors([ValidationProblem("file", "more than {max} rows", row=1,
                                                  params={"max": importer.MAX_ROWS})])
    rows: list[tuple[int, ReportIn]] = []
    problems: list[ValidationProblem] = []
    # JSON rows count from 1: the position in the list.
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.append(ValidationProblem("row", "each report must be an object", row=number))
            continue
        try:
            rows.append((number, ReportIn.model_validate(item)))
        except ValidationError as exc:
            problems.extend(validation.problems(exc, row=number))
        if len(problems) > 200:
            break
    if problems:
        raise ValidationErrors(problems)
    return rows
