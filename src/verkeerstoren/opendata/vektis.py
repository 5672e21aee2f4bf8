"""Vektis Zvw costs per gemeente: the 2015 open file and the 2023 standardised benchmark."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from verkeerstoren.opendata.names import lookup
from verkeerstoren.opendata.reading import (
    Parsed,
    bad_numbers,
    long_values,
    number,
    read_csv,
    refuse,
    require_columns,
    require_rows,
    year_in_name,
)

CATEGORIES: dict[str, tuple[str, ...]] = {
    "cost_medical_specialist": ("KOSTEN_MEDISCH_SPECIALISTISCHE_ZORG",),
    "cost_pharmacy": ("KOSTEN_FARMACIE",),
    "cost_mental_health": ("KOSTEN_SPECIALISTISCHE_GGZ", "KOSTEN_GENERALISTISCHE_BASIS_GGZ",
                           "KOSTEN_LANGDURIGE_GGZ"),
    "cost_gp": ("KOSTEN_HUISARTS_INSCHRIJFTARIEF", "KOSTEN_HUISARTS_CONSULT",
                "KOSTEN_HUISARTS_MDZ", "KOSTEN_HUISARTS_OVERIG"),
    "cost_district_nursing": ("KOSTEN_VERPLEGING_EN_VERZORGING",),
}
ROWS_2015 = {2015: 14735}
KEYS = ("GESLACHT", "LEEFTIJDSKLASSE", "GEMEENTENAAM", "AANTAL_BSN", "AANTAL_VERZEKERDEJAREN")


def _codes(frame: pl.DataFrame, column: str, names: Mapping[str, str],
           path: Path) -> tuple[pl.DataFrame, list[str]]:
    if not names:
        raise refuse(path, "no gemeente names known yet to match Vektis names to CBS codes; "
                           "load CBS kerncijfers wijken en buurten first")
    mapping = {n: lookup(names, n) for n in frame[column].unique().to_list() if n}
    unmatched = sorted(n for n, c in mapping.items() if c is None)
    coded = frame.with_columns(pl.col(column).replace_strict(mapping, default=None)
                               .alias("area_code"))
    return coded.filter(pl.col("area_code").is_not_null()), unmatched


def _age_structure(coded: pl.DataFrame, year: int) -> pl.DataFrame:
    """Insured-years per gemeente (and NL01, their sum) × sex × 5-year class, subgroup 'M 0-4'
    … 'V 90+': the base population by age of the foresight projection (issue 16)."""
    age = (pl.col("LEEFTIJDSKLASSE").str.extract_all(r"\d+").list.join("-"))
    cells = coded.with_columns(
        (pl.col("GESLACHT").str.strip_chars() + " " + pl.when(pl.col("LEEFTIJDSKLASSE")
         .str.contains(r"\+")).then(pl.lit("90+")).otherwise(age)).alias("subgroup"))
    per = cells.group_by("area_code", "subgroup").agg(pl.col("AANTAL_VERZEKERDEJAREN").sum())
    nl = per.group_by("subgroup").agg(pl.col("AANTAL_VERZEKERDEJAREN").sum()) \
        .with_columns(pl.lit("NL01").alias("area_code"))
    return pl.concat([per, nl.select(per.columns)]).select(
        "area_code", pl.lit("insured_years_by_age").alias("indicator"), "subgroup",
        pl.lit(year).alias("year"), pl.col("AANTAL_VERZEKERDEJAREN").cast(pl.Float64)
        .alias("value"))


def parse_zvw(path: Path, raw: bytes, year: int | None, names: Mapping[str, str]) -> Parsed:
    """Vektis open file per gemeente × sex × age class (';', latin-1, totals in EUR)."""
    frame = read_csv(raw, path, separator=";")
    require_columns(frame, path, KEYS)
    costs = [c for c in frame.columns if c.startswith("KOSTEN_")]
    require_columns(frame, path, [c for cols in CATEGORIES.values() for c in cols])
    found = year_in_name(path)
    if year is not None and found is not None and found != year:
        raise refuse(path, f"the file name says {found}, not the requested year {year}")
    the_year = year or found
    if the_year is None:
        raise refuse(path, "no year in the file name; give the year explicitly")
    require_rows(path, "rows", frame.height, expected=ROWS_2015.get(the_year), minimum=5000)
    if bad := bad_numbers(frame, ["AANTAL_VERZEKERDEJAREN", *costs], markers=("",)):
        raise refuse(path, f"non-numeric values in {', '.join(bad)}")
    # The last row without sex/age/gemeente is Vektis' rest category (< 10 persons): not a place.
    cells = frame.filter(pl.col("GEMEENTENAAM").is_not_null() & (pl.col("GEMEENTENAAM") != ""))
    cells = cells.with_columns(number(c, markers=("",)) for c in ["AANTAL_VERZEKERDEJAREN",
                                                                  *costs])
    coded, unmatched = _codes(cells, "GEMEENTENAAM", names, path)
    per = coded.group_by("area_code").agg(
        pl.col("AANTAL_VERZEKERDEJAREN").sum().alias("insured_years"),
        pl.sum_horizontal(costs).sum().alias("total"),
        *[pl.sum_horizontal(list(cols)).sum().alias(ind) for ind, cols in CATEGORIES.items()],
        (pl.when(pl.col("LEEFTIJDSKLASSE").str.contains(r"^(6[5-9]|[7-8]\d|90)"))
         .then(pl.col("AANTAL_VERZEKERDEJAREN")).otherwise(0)).sum().alias("iy65"),
    )
    per = per.with_columns(
        (pl.col("total") / pl.col("insured_years")).alias("cost_per_insured_year"),
        *[(pl.col(ind) / pl.col("insured_years")).alias(ind) for ind in CATEGORIES],
        (pl.col("iy65") * 100 / pl.col("insured_years")).alias("pct_insured_65plus"),
        # Hospital care's share of the budget, as the 2023 category breakdown gives it.
        (pl.col("cost_medical_specialist") * 100 / pl.col("total"))
        .alias("cost_share_medical_specialist"),
    )
    inds = ["insured_years", "cost_per_insured_year", *CATEGORIES, "pct_insured_65plus",
            "cost_share_medical_specialist"]
    values = pl.concat([long_values(per, "area_code", {i: i for i in inds}, year=the_year),
                        _age_structure(coded, the_year)])
    notes = ["costs per insured-year (sum of cost columns / AANTAL_VERZEKERDEJAREN)",
             "Vektis rest category row excluded",
             f"{len(unmatched)} gemeente name(s) not matched to a CBS code"
             + (f": {', '.join(unmatched[:10])}" if unmatched else "")]
    return Parsed("vektis_zvw", the_year, path.name, hashlib.sha256(raw).hexdigest(),
                  frame.height, values=values, notes=notes)


BENCHMARK = {
    "insured_years": "insured_years",
    "cost_per_insured_year": "actual_cost_per_insured_year",
    "expected_cost_per_insured_year": "expected_cost_per_insured_year",
    "scr": "scr",
}
BENCHMARK_ROWS = {2023: 342}


def parse_benchmark(path: Path, raw: bytes, year: int | None,
                    names: Mapping[str, str]) -> Parsed:
    """Third-party age/sex-standardised benchmark of Vektis 2023 (one row per gemeente)."""
    frame = read_csv(raw, path)
    require_columns(frame, path, ["gemeentenaam", *BENCHMARK.values()])
    the_year = year or year_in_name(path) or 2023
    require_rows(path, "gemeenten", frame.height, expected=BENCHMARK_ROWS.get(the_year),
                 minimum=300)
    if bad := bad_numbers(frame, BENCHMARK.values(), markers=("",)):
        raise refuse(path, f"non-numeric values in {', '.join(bad)}")
    numeric = frame.with_columns(number(c, markers=("",)) for c in BENCHMARK.values())
    coded, unmatched = _codes(numeric, "gemeentenaam", names, path)
    values = long_values(coded, "area_code", BENCHMARK, year=the_year)
    notes = ["derived analysis by a third party (indirect age/sex standardisation), not official",
             f"{len(unmatched)} gemeente name(s) not matched to a CBS code"
             + (f": {', '.join(unmatched[:10])}" if unmatched else "")]
    return Parsed("vektis_benchmark", the_year, path.name, hashlib.sha256(raw).hexdigest(),
                  frame.height, values=values, notes=notes)


# The 2023 breakdown's care categories (English, as the derived tables name them) → code.
CARE_CATEGORIES = {
    "Dental care": "dental",
    "General practice": "gp",
    "Maternity care": "maternity",
    "Medical devices": "devices",
    "Medical specialist care": "medical_specialist",
    "Mental health (GGZ)": "mental_health",
    "Nursing, rehabilitation and short-stay care": "nursing_short_stay",
    "Other Zvw care": "other",
    "Paramedical care": "paramedical",
    "Patient transport": "transport",
    "Pharmacy": "pharmacy",
}
CATEGORY_ROWS = {2023: 3762}


def parse_categories(path: Path, raw: bytes, year: int | None,
                     names: Mapping[str, str]) -> Parsed:
    """Vektis 2023 cost per care category and gemeente (derived tables): per category the share
    (%) of the gemeente's Zvw budget and the cost per insured-year."""
    frame = read_csv(raw, path)
    numbers = ["actual_cost_share_percent", "actual_cost_per_insured_year"]
    require_columns(frame, path, ["gemeentenaam", "care_category", *numbers])
    the_year = year or year_in_name(path) or 2023
    require_rows(path, "rows", frame.height, expected=CATEGORY_ROWS.get(the_year), minimum=3000)
    unknown = sorted(set(frame["care_category"].to_list()) - set(CARE_CATEGORIES))
    if unknown:
        raise refuse(path, f"unknown care_category value(s): {', '.join(unknown[:5])}")
    if bad := bad_numbers(frame, numbers, markers=("",)):
        raise refuse(path, f"non-numeric values in {', '.join(bad)}")
    numeric = frame.with_columns(number(c, markers=("",)) for c in numbers).with_columns(
        pl.col("care_category").replace_strict(CARE_CATEGORIES).alias("category"))
    coded, unmatched = _codes(numeric, "gemeentenaam", names, path)
    wide = coded.pivot(on="category", index="area_code",
                       values=["actual_cost_share_percent", "actual_cost_per_insured_year"],
                       aggregate_function="first")
    columns = {}
    for code in CARE_CATEGORIES.values():
        columns[f"cost_share_{code}"] = f"actual_cost_share_percent_{code}"
        columns[f"cost_pc_{code}"] = f"actual_cost_per_insured_year_{code}"
    values = long_values(wide, "area_code", columns, year=the_year)
    notes = ["derived analysis by a third party of the Vektis Zvw 2023 gemeente file: share of "
             "each care category in the gemeente's total Zvw cost, and cost per insured-year",
             f"{len(unmatched)} gemeente name(s) not matched to a CBS code"
             + (f": {', '.join(unmatched[:10])}" if unmatched else "")]
    return Parsed("vektis_categories", the_year, path.name, hashlib.sha256(raw).hexdigest(),
                  frame.height, values=values, notes=notes)
