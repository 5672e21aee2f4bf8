"""What both registry imports share: the columns of each kind, reading a file into checked
records (through the neutral reader, tables.reading) and the small steps of planning and writing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ValidationError

from verkeerstoren import validation
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.tables import reading

Kind = Literal["units", "teams"]
KINDS: tuple[Kind, ...] = ("units", "teams")

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

COLUMNS: dict[Kind, tuple[str, ...]] = {
    "units": (
        "organisation", "organisation_kind", "location", "street", "house_number", "postcode",
        "city", "gemeente_code", "wijk_code", "latitude", "longitude", "unit", "bed_type",
        "physical_beds", "features",
    ),
    "teams": ("organisation", "team", "phone", "email", "skills", "service_areas"),
}
REQUIRED: dict[Kind, frozenset[str]] = {
    "units": frozenset(
        {"organisation", "location", "postcode", "gemeente_code", "unit", "bed_type",
         "physical_beds"}
    ),
    "teams": frozenset({"organisation", "team"}),
}
EXAMPLES: dict[Kind, tuple[str, ...]] = {
    "units": (
        "Zorggroep Voorbeeld", "provider", "Huis aan de Singel", "Singel", "12", "2711AB",
        "Zoetermeer", "GM0637", "WK063701", "52.06", "4.49", "Afdeling Tulp", "short_stay_high",
        "8", "oxygen;dementia_closed",
    ),
    "teams": (
        "Zorggroep Voorbeeld", "Wijkteam Centrum", "079 123 4567", "centrum@example.nl",
        "palliative;wound_care", "2711-2729;WK063701",
    ),
}


@dataclass
class ImportSummary:
    """What an import did: rows read and rows of each kind created or changed."""

    kind: str
    rows: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    locations_created: int = 0
    locations_updated: int = 0
    units_created: int = 0
    units_updated: int = 0
    teams_created: int = 0
    teams_updated: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as a plain dict (for JSON)."""
        return asdict(self)


class Plan(Protocol):
    """What an importer's first pass collects: rows to write, or the problems found."""

    problems: list[ValidationProblem]

    def add(self, row: int, record: dict[str, str]) -> None: ...


def plan_rows(data: bytes, kind: Kind, plan: Plan) -> ImportSummary:
    """The first pass of every registry import: read each row into ``plan``, then raise all of
    its problems at once, before anything is written (all or nothing)."""
    summary = ImportSummary(kind=kind)
    for row, record in read_rows(data, kind):
        summary.rows += 1
        plan.add(row, record)
    if summary.rows == 0:
        plan.problems.append(ValidationProblem("file", "The file has no data rows."))
    if plan.problems:
        raise ValidationErrors(plan.problems)
    return summary


def split_cells(cell: str | None) -> list[str]:
    """The codes of a list cell such as "oxygen;dementia_closed" (or with |)."""
    return [p.strip() for p in re.split(r"[;|]", cell or "") if p.strip()]


def read_rows(data: bytes, kind: Kind) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, cells by column) for every non-empty data row.

    Raises ValidationErrors when the file is too large, unreadable or has wrong columns.
    """
    reading.check_size(data, MAX_BYTES)
    lines = reading.csv_rows(data)
    reading.check_cells(lines)
    header = [reading.column_name(c) for c in lines[0]] if lines else []
    rows = lines[1:]
    if not any(header):
        raise ValidationErrors([ValidationProblem("file", "The file is empty.")])
    problems: list[ValidationProblem] = []
    missing = sorted(REQUIRED[kind] - set(header))
    unknown = [c for c in header if c and c not in COLUMNS[kind]]
    if missing:
        problems.append(ValidationProblem("file", "Missing columns: {columns}.",
                                          columns=", ".join(missing)))
    if unknown:
        problems.append(
            ValidationProblem("file", "Unknown columns: {columns}.",
                              columns=", ".join(unknown[:20]))
        )
    if len(rows) > MAX_ROWS:
        problems.append(ValidationProblem("file", "The file has more than {n} rows.", n=MAX_ROWS))
    if problems:
        raise ValidationErrors(problems)
    for index, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        record = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(header)}
        yield index, record


def validated(model: type[BaseModel], record: dict[str, str], row: int) -> Any:
    values: dict[str, Any] = {k: v for k, v in record.items() if v != ""}
    for key in ("latitude", "longitude"):
        if key in values:
            values[key] = values[key].replace(",", ".")  # Dutch Excel writes 52,06
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ValidationErrors(validation.problems(error, row, top_level=True)) from None


def by_code_or_name(options: dict[str, Any], value: str) -> str | None:
    if value in options:
        return value
    lowered = value.lower()
    for code, item in options.items():
        if code.lower() == lowered or str(item.name).lower() == lowered:
            return code
    return None


def assign(obj: object, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed
