"""Loading an official population forecast file (issue 16 item 1, last sentence).

The shape of the PBL/CBS "Regionale bevolkings- en huishoudensprognose": persons on 1 January
per gemeente and year, either by sex and 5-year age group (the 19 groups of the tower's own
projection, 0-4 … 90+) or as totals only. Columns (English or Dutch names):

  gemeente (GM0637, 0637 or 637) · year/jaar · sex/geslacht (man/vrouw, male/female, m/v) ·
  age_group/leeftijd (0-4 … 90+) · persons/personen/aantal; optionally gemeentenaam (ignored).

A file with sex and age columns is "detailed"; without them "total". Every row is checked
before anything is written, every problem names its row and column, and a new file replaces
the previous forecast: all or nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import Forbidden, ValidationErrors, ValidationProblem
from verkeerstoren.foresight.models import OfficialForecast, OfficialForecastValue
from verkeerstoren.foresight.population import AGE_GROUPS, SEXES
from verkeerstoren.opendata.models import AreaValue
from verkeerstoren.registry.models import Gemeente
from verkeerstoren.tables import reading

MAX_BYTES = 20 * 1024 * 1024
# 342 gemeenten × 31 years × 38 cells is about 400,000: one whole national file fits.
MAX_ROWS = 450_000
MAX_PROBLEMS = 200
FIRST_YEAR, LAST_YEAR = 2000, 2100
ALIASES: dict[str, str] = {
    "gemeente": "gemeente", "gemeentecode": "gemeente", "gemeente_code": "gemeente",
    "regiocode": "gemeente", "code": "gemeente",
    "year": "year", "jaar": "year", "perioden": "year",
    "sex": "sex", "geslacht": "sex",
    "age_group": "age_group", "leeftijd": "age_group", "leeftijdsgroep": "age_group",
    "persons": "persons", "personen": "persons", "aantal": "persons",
    "bevolking": "persons", "population": "persons",
    "gemeentenaam": "", "name": "", "naam": "",
}
SEX_WORDS: dict[str, str] = {"man": "male", "mannen": "male", "male": "male", "m": "male",
                             "vrouw": "female", "vrouwen": "female", "female": "female",
                             "v": "female", "f": "female"}
_CODE = re.compile(r"^(?:GM)?(\d{1,4})$", re.IGNORECASE)
_NUMBER = re.compile(r"^\d+([.,]\d+)?$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Summary:
    forecast_id: int
    shape: str
    gemeenten: int
    years: tuple[int, int]
    rows: int


def template_csv(shape: str = "detailed") -> str:
    """A small example of each accepted shape (semicolon-separated, as Dutch Excel writes)."""
    if shape == "total":
        return "gemeente;jaar;personen\r\nGM0637;2024;127000\r\nGM0637;2025;128100\r\n"
    return ("gemeente;jaar;geslacht;leeftijd;personen\r\n"
            "GM0637;2024;man;0-4;3500\r\nGM0637;2024;vrouw;0-4;3350\r\n")


def age_group(raw: str) -> str | None:
    """'0-4', '0 - 4', '0-4 jaar', '90+', '90 jaar of ouder' → the tower's label, else None."""
    text = raw.lower().replace("jaar", "").replace("–", "-").replace(" ", "")
    text = text.replace("ofouder", "+").replace("enouder", "+")
    return text if text in AGE_GROUPS else None


def known_gemeenten(session: Session) -> set[str]:
    """Gemeente codes the tower knows: the registry's and those of the loaded open data."""
    codes = set(session.scalars(select(Gemeente.code)))
    codes |= set(session.scalars(select(AreaValue.area_code).distinct()
                                 .where(AreaValue.area_code.like("GM%"))))
    return codes


def _header(rows: list[list[str]]) -> tuple[list[str], str]:
    if not rows or not any(c.strip() for c in rows[0]):
        raise ValidationErrors([ValidationProblem("file", "The file is empty.")])
    raw = [reading.column_name(c) for c in rows[0]]
    unknown = [c for c in raw if c and c not in ALIASES]
    header = [ALIASES.get(c, "") for c in raw]
    problems: list[ValidationProblem] = []
    if unknown:
        problems.append(ValidationProblem("file", "Unknown columns: {columns}.",
                                          columns=", ".join(unknown[:20])))
    missing = [c for c in ("gemeente", "year", "persons") if c not in header]
    has_sex, has_age = "sex" in header, "age_group" in header
    if has_sex != has_age:
        missing.append("age_group" if has_sex else "sex")
    if missing:
        problems.append(ValidationProblem("file", "Missing columns: {columns}.",
                                          columns=", ".join(missing)))
    for name in set(header) - {""}:
        if header.count(name) > 1:
            problems.append(ValidationProblem("file", "The column {column} appears twice.",
                                              column=name))
    if problems:
        raise ValidationErrors(problems)
    return header, "detailed" if has_sex else "total"


Key = tuple[str, int, str, str]


def parse(session: Session, data: bytes) -> tuple[str, dict[Key, float]]:
    """The file's shape and persons per (gemeente, year, sex, age group); or every problem."""
    rows = reading.read_rows(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS + 2)
    header, shape = _header(rows)
    if len(rows) > MAX_ROWS + 1:
        raise ValidationErrors([ValidationProblem("file", "The file has more than {n} rows.",
                                                  n=MAX_ROWS)])
    known = known_gemeenten(session)
    values: dict[Key, float] = {}
    first_row: dict[Key, int] = {}
    problems: list[ValidationProblem] = []

    def problem(field: str, message: str, row: int, **params: object) -> None:
        problems.append(ValidationProblem(field, message, row=row, params=params))

    for number, cells in enumerate(rows[1:], start=2):
        if len(problems) >= MAX_PROBLEMS:
            break
        if not any(c.strip() for c in cells):
            continue
        record = {col: (cells[i].strip() if i < len(cells) else "")
                  for i, col in enumerate(header) if col}
        before = len(problems)
        match = _CODE.match(record["gemeente"])
        code = f"GM{int(match.group(1)):04d}" if match else ""
        if not match:
            problem("gemeente", "{value} is not a gemeente code (GM0637).", number,
                    value=record["gemeente"][:20])
        elif code not in known:
            problem("gemeente", "Unknown gemeente code {code}.", number, code=code)
        year = int(record["year"]) if _YEAR.match(record["year"]) else 0
        if not FIRST_YEAR <= year <= LAST_YEAR:
            problem("year", "{value} is not a year between {low} and {high}.", number,
                    value=record["year"][:20], low=FIRST_YEAR, high=LAST_YEAR)
        sex = group = ""
        if shape == "detailed":
            sex = SEX_WORDS.get(record["sex"].lower(), "")
            if not sex:
                problem("sex", "{value} is not a sex (man or vrouw).", number,
                        value=record["sex"][:20])
            group = age_group(record["age_group"]) or ""
            if not group:
                problem("age_group", "{value} is not one of the 5-year age groups 0-4 … 90+.",
                        number, value=record["age_group"][:20])
        raw = record["persons"].replace(" ", "")
        persons = float(raw.replace(",", ".")) if _NUMBER.match(raw) else math.nan
        if raw.startswith("-") and _NUMBER.match(raw[1:]):
            problem("persons", "The number of persons cannot be negative ({value}).", number,
                    value=raw[:20])
        elif math.isnan(persons):
            problem("persons", "{value} is not a number of persons (no thousands separators).",
                    number, value=raw[:20])
        if len(problems) > before:
            continue
        key = (code, year, sex, group)
        if key in first_row:
            problem("year", "Same gemeente, year, sex and age group as row {other}.", number,
                    other=first_row[key])
            continue
        first_row[key] = number
        values[key] = persons
    if not problems and not values:
        problems.append(ValidationProblem("file", "The file has no rows of figures."))
    if not problems:
        problems += _completeness(values, shape)
    if problems:
        raise ValidationErrors(problems[:MAX_PROBLEMS])
    return shape, values


def _completeness(values: dict[Key, float], shape: str) -> list[ValidationProblem]:
    """Every gemeente the same consecutive years; in a detailed file every sex × age cell."""
    years_of: dict[str, set[int]] = {}
    for code, year, _, _ in values:
        years_of.setdefault(code, set()).add(year)
    problems: list[ValidationProblem] = []
    everything = set().union(*years_of.values())
    expected = set(range(min(everything), max(everything) + 1))
    for code, years in sorted(years_of.items()):
        if missing := sorted(expected - years):
            problems.append(ValidationProblem(
                "year", "Gemeente {code} has no figures for {years} (every gemeente needs "
                "every year from {first} to {last}).", code=code,
                years=", ".join(str(y) for y in missing[:10]), first=min(expected),
                last=max(expected)))
    if shape == "detailed":
        for code, years in sorted(years_of.items()):
            for year in sorted(years):
                absent = [f"{s} {g}" for s in SEXES for g in AGE_GROUPS
                          if (code, year, s, g) not in values]
                if absent:
                    problems.append(ValidationProblem(
                        "age_group", "Gemeente {code}, {year}: no figures for {cells}.",
                        code=code, year=year, cells=", ".join(absent[:6])
                        + (" …" if len(absent) > 6 else "")))
                if len(problems) >= MAX_PROBLEMS:
                    return problems
    return problems


def load(session: Session, actor: Actor, data: bytes, *, file_name: str,
         title: str = "") -> Summary:
    """Check the whole file, then replace the stored official forecast with it."""
    if not actor.can(Permission.KPI_EDIT):
        raise Forbidden("role may not load planning data")
    shape, values = parse(session, data)
    session.execute(delete(OfficialForecastValue))  # not left to ON DELETE CASCADE: SQLite
    session.execute(delete(OfficialForecast))
    forecast = OfficialForecast(
        title=(title.strip() or "Officiële prognose")[:200], file_name=file_name[:300] or "-",
        shape=shape, rows_stored=len(values), use_instead=False,
        uploaded_by=actor.label[:200])
    session.add(forecast)
    session.flush()
    session.execute(insert(OfficialForecastValue), [
        {"forecast_id": forecast.id, "gemeente_code": c, "year": y, "sex": s, "age_group": g,
         "persons": v} for (c, y, s, g), v in values.items()])
    years = sorted({y for _, y, _, _ in values})
    return Summary(forecast.id, shape, len({c for c, *_ in values}), (years[0], years[-1]),
                   len(values))
