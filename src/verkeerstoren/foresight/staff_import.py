"""Staff figures per sector from a CSV or Excel file (issue 16 item 4: "entered or imported").

Columns (one row per area and sector): area (GMxxxx, or RG + a region's id), sector (gp,
district_nursing, hospital, emergency, nursing_home, mental_health, short_stay), persons,
part_time_factor (FTE per person), vacancies_fte, inflow_persons (per year), outflow_percent
(per year, besides retirement), aged_55_59_percent, aged_60_plus_percent. The limits are those
of the API's ``WorkforceIn``. All rows are checked first; a file with any bad row stores
nothing. A stored figure is replaced by a later file's figure for the same area and sector, and
keeps the file's name and upload time: pages show it beside the figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import Forbidden, ValidationErrors, ValidationProblem
from verkeerstoren.foresight.models import StaffFigure
from verkeerstoren.foresight.schemas import WorkforceIn
from verkeerstoren.foresight.workforce import Workforce
from verkeerstoren.registry.models import Gemeente, Region
from verkeerstoren.tables import reading

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
NUMBERS = ("persons", "part_time_factor", "vacancies_fte", "inflow_persons", "outflow_percent",
           "aged_55_59_percent", "aged_60_plus_percent")
COLUMNS = ("area", "sector", *NUMBERS)
OPTIONAL = frozenset({"vacancies_fte", "aged_55_59_percent", "aged_60_plus_percent"})
_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")
_AREA = re.compile(r"^(GM\d{4}|RG\d{1,9})$")


@dataclass(frozen=True)
class Summary:
    rows: int
    areas: int


def template_csv() -> str:
    return (";".join(COLUMNS) + "\r\n"
            "GM0882;gp;60;0,7;2;4;7;10;12\r\n"
            "GM0882;district_nursing;95;0,65;5;9;9;11;13\r\n")


def known_areas(session: Session) -> set[str]:
    codes = set(session.scalars(select(Gemeente.code)))
    return codes | {f"RG{i}" for i in session.scalars(select(Region.id))}


def parse(session: Session, data: bytes) -> list[tuple[int, str, WorkforceIn]]:
    """(row, area, figures) of every row; or every problem, naming row and column."""
    rows = reading.read_rows(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS + 2)
    if not rows or not any(c.strip() for c in rows[0]):
        raise ValidationErrors([ValidationProblem("file", "The file is empty.")])
    header = [reading.column_name(c) for c in rows[0]]
    problems: list[ValidationProblem] = []
    if unknown := [c for c in header if c and c not in COLUMNS]:
        problems.append(ValidationProblem("file", "Unknown columns: {columns}.",
                                          columns=", ".join(unknown[:20])))
    if missing := [c for c in COLUMNS if c not in header and c not in OPTIONAL]:
        problems.append(ValidationProblem("file", "Missing columns: {columns}.",
                                          columns=", ".join(missing)))
    if len(rows) > MAX_ROWS + 1:
        problems.append(ValidationProblem("file", "The file has more than {n} rows.",
                                          n=MAX_ROWS))
    if problems:
        raise ValidationErrors(problems)
    areas = known_areas(session)
    out: list[tuple[int, str, WorkforceIn]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        record = {col: (cells[i].strip() if i < len(cells) else "")
                  for i, col in enumerate(header) if col}
        before = len(problems)
        area = record.get("area", "").upper()
        if not _AREA.match(area) or area not in areas:
            problems.append(ValidationProblem("area", "Unknown area {code}.", row=number,
                                              code=record.get("area", "")[:20]))
        values: dict[str, object] = {"sector": record.get("sector", "")}
        for name in NUMBERS:
            raw = record.get(name, "")
            if not raw and name in OPTIONAL:
                continue
            if not _NUMBER.match(raw):
                problems.append(ValidationProblem(name, "{value} is not a number (no thousands "
                                                  "separators).", row=number, value=raw[:20]))
                continue
            values[name] = float(raw.replace(",", "."))
        if len(problems) > before:
            continue
        try:
            figures = WorkforceIn.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors()[:5]:
                field = str(error["loc"][0]) if error["loc"] else "file"
                problems.append(_limit_problem(field, error, number, values.get(field)))
            continue
        key = (area, figures.sector)
        if key in seen:
            problems.append(ValidationProblem("sector", "Same area and sector as row {other}.",
                                              row=number, other=seen[key]))
            continue
        seen[key] = number
        out.append((number, area, figures))
    if not problems and not out:
        problems.append(ValidationProblem("file", "The file has no rows of figures."))
    if problems:
        raise ValidationErrors(problems[:200])
    return out


def _limit_problem(field: str, error: ErrorDetails, row: int,
                   value: object) -> ValidationProblem:
    if field == "sector":
        return ValidationProblem("sector", "Unknown sector {value}.", row=row,
                                 value=str(value)[:30])
    limits = error.get("ctx", {})
    for key, message in (("ge", "{value} must be at least {limit}."),
                         ("gt", "{value} must be more than {limit}."),
                         ("le", "{value} must be at most {limit}.")):
        if key in limits:
            return ValidationProblem(field, message, row=row, value=value, limit=limits[key])
    return ValidationProblem(field, "{value} is not valid here.", row=row, value=value)


def load(session: Session, actor: Actor, data: bytes, *, file_name: str) -> Summary:
    """Check the whole file, then store its figures (replacing those of the same area and
    sector)."""
    if not actor.can(Permission.KPI_EDIT):
        raise Forbidden("role may not load planning data")
    rows = parse(session, data)
    keys = [(area, f.sector) for _, area, f in rows]
    session.execute(delete(StaffFigure).where(
        tuple_(StaffFigure.area_code, StaffFigure.sector).in_(keys)))
    for _, area, f in rows:
        session.add(StaffFigure(area_code=area, file_name=file_name[:300] or "-",
                                uploaded_by=actor.label[:200], **f.model_dump()))
    session.flush()
    return Summary(len(rows), len({a for a, _ in keys}))


def source_of(figure: StaffFigure) -> str:
    return f"file {figure.file_name}, uploaded {figure.uploaded_at:%Y-%m-%d %H:%M} UTC"


def figures(session: Session, area_code: str) -> dict[str, StaffFigure]:
    return {f.sector: f for f in session.scalars(
        select(StaffFigure).where(StaffFigure.area_code == area_code))}


def uploaded(session: Session, area_code: str) -> dict[str, Workforce]:
    """The uploaded staff of an area per sector, each marked with its file and time."""
    out: dict[str, Workforce] = {}
    for f in session.scalars(select(StaffFigure).where(StaffFigure.area_code == area_code)):
        out[f.sector] = Workforce(
            f.sector, f.persons, f.part_time_factor, f.vacancies_fte, f.inflow_persons,
            f.outflow_percent, f.aged_55_59_percent, f.aged_60_plus_percent, invented=False,
            source=source_of(f))
    return out


def listing(session: Session) -> list[StaffFigure]:
    return list(session.scalars(select(StaffFigure).order_by(StaffFigure.area_code,
                                                             StaffFigure.sector)))
