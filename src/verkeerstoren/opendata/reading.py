"""Reading publishers' files into Polars frames of text, and the checks every loader shares."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from verkeerstoren.errors import ValidationErrors, ValidationProblem

STEM = re.compile(r"_\d+$")


@dataclass
class Parsed:
    """What a loader read from one file, checked, before anything is written.

    ``values`` has columns area_code, indicator, subgroup, year, value (Float64, null = secret);
    ``areas`` has code, level, name, gemeente_code, geometry; ``waits`` the ExternalWait columns.
    """

    key: str
    year: int
    source_file: str
    sha256: str
    rows_read: int
    values: pl.DataFrame | None = None
    areas: pl.DataFrame | None = None
    waits: pl.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def refuse(path: Path, message: str) -> ValidationErrors:
    """A refusal naming the file and what differs from the expected table."""
    return ValidationErrors([ValidationProblem(path.name, message)])


def decode(raw: bytes, path: Path, encodings: Sequence[str] = ("utf-8-sig", "latin-1")) -> str:
    """Text of a file in the first encoding that fits (Vektis and NZa 2016 are latin-1)."""
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refuse(path, f"not readable as {' or '.join(encodings)}")


def read_csv(raw: bytes, path: Path, *, separator: str = ",",
             encodings: Sequence[str] = ("utf-8-sig", "latin-1")) -> pl.DataFrame:
    """All columns as text, headers and values stripped of the padding CBS exports carry."""
    text = decode(raw, path, encodings)
    try:
        frame = pl.read_csv(text.encode("utf-8"), separator=separator, infer_schema_length=0,
                            quote_char='"')
    except (pl.exceptions.PolarsError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise refuse(path, f"not a valid {separator!r}-separated table ({first[:200]})") from exc
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return frame.with_columns(pl.col(pl.String).str.strip_chars())


def read_xlsx(raw: bytes, path: Path, sheet: str | None = None) -> pl.DataFrame:
    """The first (or named) sheet of a workbook as text columns; trailing empty rows dropped."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise refuse(path, f"not a readable Excel workbook ({type(exc).__name__})") from exc
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else f"column_{i}"
              for i, h in enumerate(next(rows, ()))]
    data: list[list[str | None]] = []
    for row in rows:
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        data.append([None if v is None else str(v).strip() for v in row[: len(header)]])
    book.close()
    return pl.DataFrame(data, schema=dict.fromkeys(header, pl.String), orient="row")


def read_table(raw: bytes, path: Path, *, separator: str = ",") -> pl.DataFrame:
    """CSV or Excel by file name."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(raw, path)
    return read_csv(raw, path, separator=separator)


def by_stem(columns: Iterable[str]) -> dict[str, str]:
    """CBS keys carry a positional suffix that changes between years: stem → actual column."""
    return {STEM.sub("", c): c for c in columns}


def require_columns(frame: pl.DataFrame, path: Path, wanted: Iterable[str], *,
                    stems: bool = False) -> dict[str, str]:
    """Map each wanted name (or CBS stem) to the frame's column; refuse naming what is missing."""
    available = by_stem(frame.columns) if stems else {c: c for c in frame.columns}
    missing = [w for w in wanted if w not in available]
    if missing:
        shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
        raise refuse(path, f"missing column(s) {shown}; found {len(frame.columns)} columns "
                           f"({', '.join(frame.columns[:6])} …)")
    return {w: available[w] for w in wanted}


def require_rows(path: Path, what: str, found: int, *, expected: int | None,
                 minimum: int) -> None:
    """Refuse a truncated file: the exact count when this year's file is known, else a floor."""
    if expected is not None and found != expected:
        raise refuse(path, f"{found} {what}, expected {expected} (truncated or another table?)")
    if found < minimum:
        raise refuse(path, f"only {found} {what}, expected at least {minimum} (truncated?)")


def number(column: str, *, decimal_comma: bool = False,
           markers: Sequence[str] = (".", "", "-")) -> pl.Expr:
    """A text column as Float64; the publisher's secret/unknown markers become null."""
    text = pl.col(column).str.strip_chars()
    if decimal_comma:
        text = text.str.replace(",", ".", literal=True)
    cleaned = pl.when(text.is_in(list(markers))).then(None).otherwise(text)
    return cleaned.cast(pl.Float64, strict=False).alias(column)


def bad_numbers(frame: pl.DataFrame, columns: Iterable[str], *,
                decimal_comma: bool = False, markers: Sequence[str] = (".", "", "-")
                ) -> list[str]:
    """Columns holding text that is neither a number nor a known marker (another table?)."""
    bad: list[str] = []
    for c in columns:
        text = frame[c].str.strip_chars()
        if decimal_comma:
            text = text.str.replace(",", ".", literal=True)
        numeric = text.cast(pl.Float64, strict=False)
        wrong = frame.filter(numeric.is_null() & text.is_not_null() & ~text.is_in(list(markers)))
        if wrong.height:
            bad.append(f"{c} ({wrong[c][0]!r})")
    return bad


def year_in_name(path: Path) -> int | None:
    """The 4-digit year in a file name such as kwb2024_… or …_2015_gemeente.csv."""
    match = re.search(r"(?<!\d)(19[9]\d|20\d\d)(?!\d)", path.name)
    return int(match.group(1)) if match else None


def long_values(frame: pl.DataFrame, code_col: str, columns: dict[str, str], *,
                year: int, subgroup: str = "") -> pl.DataFrame:
    """Wide numeric columns (indicator → column) to the long area/indicator/value layout."""
    wide = frame.select(pl.col(code_col).alias("area_code"),
                        *[pl.col(col).alias(ind) for ind, col in columns.items()])
    return (
        wide.unpivot(index="area_code", variable_name="indicator", value_name="value")
        .with_columns(pl.lit(subgroup).alias("subgroup"), pl.lit(year).alias("year"),
                      pl.col("value").cast(pl.Float64))
        .select("area_code", "indicator", "subgroup", "year", "value")
    )
