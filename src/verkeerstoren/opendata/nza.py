"""NZa GGZ waiting times collected from provider websites (2016 raw file, Q1 2018 sheet)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from verkeerstoren.opendata.names import place_code
from verkeerstoren.opendata.reading import (
    Parsed,
    read_csv,
    read_table,
    refuse,
    require_columns,
    require_rows,
)

WAIT_COLUMNS = {
    "provider_key": pl.String, "provider_name": pl.String, "location_name": pl.String,
    "place": pl.String, "gemeente_code": pl.String, "sector": pl.String, "circuit": pl.String,
    "care_type": pl.String, "care_kind": pl.String, "insurer": pl.String,
    "intake_weeks": pl.Float64, "treatment_weeks": pl.Float64, "intake_text": pl.String,
    "treatment_text": pl.String, "observed_on": pl.Date,
}
ROWS_2016 = {2016: 2578}
ROWS_2018 = {2018: 6975}
MAX_WEEKS = 520.0  # a stated wait beyond ten years is a typing error, not a wait


def _weeks(column: str, *, decimal_comma: bool) -> pl.Expr:
    text = pl.col(column).fill_null("").str.strip_chars()
    if decimal_comma:
        text = text.str.replace(",", ".", literal=True)
    weeks = text.cast(pl.Float64, strict=False)
    return pl.when((weeks >= 0) & (weeks <= MAX_WEEKS)).then(weeks).otherwise(None)


def _marker(column: str) -> pl.Expr:
    """The text the publisher gave instead of a number ('-', 'Stop', 'N.v.t.', …), else ''."""
    text = pl.col(column).fill_null("").str.strip_chars()
    numeric = text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    return pl.when(numeric.is_null()).then(text.str.slice(0, 100)).otherwise(pl.lit(""))


def _year_of(path: Path, dates: pl.Series, year: int | None) -> int:
    years = dates.drop_nulls().dt.year().unique().to_list()
    if len(years) != 1:
        raise refuse(path, f"observation dates (Peildatum) span years {sorted(years)[:5]}, "
                           "expected one collection year")
    if year is not None and years[0] != year:
        raise refuse(path, f"Peildatum is in {years[0]}, not the requested year {year}")
    return int(years[0])


def _text(column: str, length: int = 300) -> pl.Expr:
    return pl.col(column).fill_null("").str.strip_chars().str.slice(0, length)


def parse_ggz_2016(path: Path, raw: bytes, year: int | None, names: Mapping[str, str]) -> Parsed:
    """The raw 2016 website scrape (latin-1, ';', decimal comma, 'stop'/'-' markers)."""
    frame = read_csv(raw, path, separator=";")
    require_columns(frame, path, ["AGBCODE_INDIENER", "Naam.zorgaanbieder", "Plaats.zorgaanbieder",
                                  "PLAATS", "Vestigingslocatie", "Type.GGZ", "Circuit",
                                  "Typering", "Nadere.typering", "Aanmeldtijd", "Behandeltijd",
                                  "Peildatum"])
    dates = frame["Peildatum"].str.strip_chars().str.to_date("%d-%m-%Y", strict=False)
    the_year = _year_of(path, dates, year)
    require_rows(path, "rows", frame.height, expected=ROWS_2016.get(the_year), minimum=100)
    place = pl.coalesce(pl.col("Plaats.zorgaanbieder").replace("", None),
                        pl.col("PLAATS").replace("", None)).fill_null("")
    # The free-text place says "Rijswijk" where the provider's address says "RIJSWIJK GLD" (a
    # village in Buren): the address tells such places apart (names.place_code).
    address = pl.col("PLAATS").fill_null("").str.strip_chars()
    pairs = frame.select(place.alias("p"), address.alias("a")).unique()
    codes = {(p, a): place_code(names, p, a, the_year) for p, a in pairs.iter_rows()}
    keys = [f"{p}\x1f{a}" for p, a in codes]
    key = pl.concat_str([place, pl.lit("\x1f"), address])
    waits = frame.with_columns(dates.alias("observed_on")).select(
        _text("AGBCODE_INDIENER", 40).alias("provider_key"),
        pl.coalesce(pl.col("Naam.zorgaanbieder").replace("", None), pl.col("NAAM"))
        .fill_null("").str.slice(0, 300).alias("provider_name"),
        _text("Vestigingslocatie").alias("location_name"),
        place.str.slice(0, 100).alias("place"),
        key.replace_strict(dict(zip(keys, codes.values(), strict=True)), default=None)
        .alias("gemeente_code"),
        pl.lit("ggz").alias("sector"),
        _text("Circuit", 60).alias("circuit"),
        pl.coalesce(pl.col("Typering").replace("", None), pl.col("Nadere.typering"))
        .fill_null("").str.slice(0, 300).alias("care_type"),
        _text("Type.GGZ", 30).alias("care_kind"),
        pl.lit("").alias("insurer"),
        _weeks("Aanmeldtijd", decimal_comma=True).alias("intake_weeks"),
        _weeks("Behandeltijd", decimal_comma=True).alias("treatment_weeks"),
        _marker("Aanmeldtijd").alias("intake_text"),
        _marker("Behandeltijd").alias("treatment_text"),
        pl.col("observed_on"),
    ).filter(pl.col("observed_on").is_not_null())
    unplaced = waits.filter(pl.col("gemeente_code").is_null())
    unknown = sorted({name for name in unplaced["place"].to_list() if name})
    notes = [f"{unplaced.height} rows whose place is not a known gemeente/place name (gemeente "
             f"unknown); the {len(unknown)} names: {', '.join(unknown)}",
             "waits unweighted per listed location; '-', 'stop' kept as text"]
    return Parsed("nza_ggz", the_year, path.name, hashlib.sha256(raw).hexdigest(), frame.height,
                  waits=waits.cast(WAIT_COLUMNS), notes=notes)  # type: ignore[arg-type]


def parse_ggz_2018(path: Path, raw: bytes, year: int | None, names: Mapping[str, str]) -> Parsed:
    """The Q1 2018 collection (CSV conversion or the original xlsx); codes zero-padded."""
    frame = read_table(raw, path)
    require_columns(frame, path, ["Uniek_zorgaanbiederID", "Naam_zorgaanbieder",
                                  "Vestigingslocatie", "Plaatsnaam", "Gemeentecodes", "Circuit",
                                  "Hoofddiagnosegroep", "Type_zorg", "Aanmeldwachttijd",
                                  "Behandelwachttijd", "Peildatum", "Zorgverzekeraar"])
    dates = frame["Peildatum"].str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    the_year = _year_of(path, dates, year)
    require_rows(path, "rows", frame.height, expected=ROWS_2018.get(the_year), minimum=100)
    raw_codes = frame["Gemeentecodes"].fill_null("").str.strip_chars()
    odd = raw_codes.filter(~raw_codes.str.contains(r"^(\d{1,4}|Onbekend|)$"))
    if odd.len():
        raise refuse(path, f"Gemeentecodes {odd[0]!r} is not a CBS gemeente number")
    waits = frame.with_columns(dates.alias("observed_on")).select(
        _text("Uniek_zorgaanbiederID", 40).alias("provider_key"),
        _text("Naam_zorgaanbieder").alias("provider_name"),
        _text("Vestigingslocatie").alias("location_name"),
        _text("Plaatsnaam", 100).alias("place"),
        # CBS gemeente numbers lose their leading zeros in spreadsheets ('34' → GM0034).
        pl.when(pl.col("Gemeentecodes").str.strip_chars().str.contains(r"^\d{1,4}$"))
        .then("GM" + pl.col("Gemeentecodes").str.strip_chars().str.zfill(4))
        .otherwise(None).alias("gemeente_code"),
        pl.lit("ggz").alias("sector"),
        _text("Circuit", 60).alias("circuit"),
        _text("Hoofddiagnosegroep").alias("care_type"),
        _text("Type_zorg", 30).alias("care_kind"),
        _text("Zorgverzekeraar", 100).alias("insurer"),
        _weeks("Aanmeldwachttijd", decimal_comma=False).alias("intake_weeks"),
        _weeks("Behandelwachttijd", decimal_comma=False).alias("treatment_weeks"),
        _marker("Aanmeldwachttijd").alias("intake_text"),
        _marker("Behandelwachttijd").alias("treatment_text"),
        pl.col("observed_on"),
    ).filter(pl.col("observed_on").is_not_null())
    unknown = waits.filter(pl.col("gemeente_code").is_null()).height
    notes = [f"{unknown} rows with gemeente 'Onbekend'",
             "waits unweighted per listed location; 'Stop' = intake closed"]
    return Parsed("nza_ggz", the_year, path.name, hashlib.sha256(raw).hexdigest(), frame.height,
                  waits=waits.cast(WAIT_COLUMNS), notes=notes)  # type: ignore[arg-type]
