"""CBS tables: Kerncijfers wijken en buurten, population dynamics, Regionale kerncijfers 2015."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from verkeerstoren.opendata.names import MERGERS
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

GM_OR_WK = r"^(GM\d{4}|WK\d{4}[0-9A-Z]{2})$"  # Amsterdam: WK0363AA

KWB_STEMS = {
    "population": "AantalInwoners",
    "men": "Mannen",
    "women": "Vrouwen",
    "density": "Bevolkingsdichtheid",
    "dwellings": "Woningvoorraad",
    "area_total_ha": "OppervlakteTotaal",
    "area_land_ha": "OppervlakteLand",
    "area_water_ha": "OppervlakteWater",
}
# Rows of the files we know (SOURCE.md); a year not listed is checked against the floor only.
KWB_ROWS = {2024: 3735}


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _year(path: Path, given: int | None, found: int | None, what: str) -> int:
    """The year the file is for; refuse a file whose own year differs from the one asked for."""
    if found is not None and given is not None and found != given:
        raise refuse(path, f"{what} is {found}, not the requested year {given}")
    year = found if found is not None else given
    if year is None:
        raise refuse(path, "no year in the file or its name; give the year explicitly")
    return year


def _bad_codes(path: Path, codes: pl.Series, pattern: str) -> None:
    wrong = codes.filter(~codes.str.contains(pattern))
    if wrong.len():
        raise refuse(path, f"{wrong.len()} region code(s) not in CBS format, e.g. {wrong[0]!r}")


def parse_kwb(path: Path, raw: bytes, year: int | None, names: Mapping[str, str]) -> Parsed:
    """CBS 85984NED-style CSV: one row per gemeente/wijk, keys matched on their stem."""
    frame = read_csv(raw, path)
    cols = require_columns(frame, path, KWB_STEMS.values(), stems=True)
    require_columns(frame, path, ["regiocode", "soort_regio", "regionaam"])
    the_year = _year(path, year, year_in_name(path), "the year in the file name")
    _bad_codes(path, frame["regiocode"], GM_OR_WK)
    gemeenten = frame.filter(pl.col("regiocode").str.starts_with("GM")).height
    require_rows(path, "rows", frame.height, expected=KWB_ROWS.get(the_year), minimum=300)
    require_rows(path, "gemeenten", gemeenten, expected=None, minimum=300)
    if bad := bad_numbers(frame, cols.values()):
        raise refuse(path, f"non-numeric values in {', '.join(bad)}")
    numeric = frame.with_columns(number(c) for c in cols.values())
    values = long_values(numeric, "regiocode",
                         {ind: cols[stem] for ind, stem in KWB_STEMS.items()}, year=the_year)
    areas = frame.select(
        pl.col("regiocode").alias("code"),
        pl.col("regiocode").str.slice(0, 2).alias("level"),
        pl.col("regionaam").alias("name"),
        ("GM" + pl.col("regiocode").str.slice(2, 4)).alias("gemeente_code"),
        pl.lit(None, dtype=pl.String).alias("geometry"),
    )
    secret = numeric.select(pl.sum_horizontal(pl.col(c).is_null() for c in cols.values())).sum()
    notes = [f"{secret.item()} secret/not-applicable cells kept as 'not published'"]
    return Parsed("cbs_kwb", the_year, path.name, _sha(raw), frame.height, values=values,
                  areas=areas, notes=notes)


DYNAMICS = {
    "population_1jan": "PopulationOn1January",
    "density": "PopulationDensity",
    "births": "LiveBornChildren",
    "deaths": "Deaths",
    "natural_increase": "NaturalIncrease",
    "net_migration": "NetMigrationIncludingAdministrative",
    # International flows apart from moves between gemeenten: foresight projects them from the
    # national trend (issue 16), moves from the gemeente's own past.
    "immigration": "DueToImmigration",
    "emigration": "DueToEmigrationIncludingAdministr",
    "growth": "PopulationGrowth",
    "population_31dec": "PopulationOn31December",
}
DYNAMICS_ROWS = {(2012, 2023): 15630}
TOTAL_SEX = "T001038"
COUNTS = ("population_1jan", "births", "deaths", "natural_increase", "net_migration", "growth",
          "population_31dec", "immigration", "emigration")


def _merge_predecessors(values: pl.DataFrame, counts: tuple[str, ...]) -> pl.DataFrame:
    """Add a merged gemeente's figures for the years before its merger as the sum of its
    predecessors, so a trend over the merger compares like with like."""
    extra = []
    for successor, (merged_in, parts) in MERGERS.items():
        before = values.filter(pl.col("area_code").is_in(list(parts)) & (pl.col("year") < merged_in)
                               & pl.col("indicator").is_in(list(counts)))
        complete = (before.group_by("indicator", "subgroup", "year")
                    .agg(pl.col("value").sum(), pl.col("area_code").n_unique().alias("n"))
                    .filter(pl.col("n") == len(parts)).drop("n"))
        extra.append(complete.with_columns(pl.lit(successor).alias("area_code"))
                     .select(values.columns))
    return pl.concat([values, *extra]) if extra else values


def parse_population_dynamics(path: Path, raw: bytes, year: int | None,
                              names: Mapping[str, str]) -> Parsed:
    """CBS 37259ENG (population dynamics) per region and year; totals of both sexes kept."""
    frame = read_csv(raw, path)
    cols = require_columns(frame, path, DYNAMICS.values(), stems=True)
    require_columns(frame, path, ["Sex", "Regions", "Periods"])
    periods = frame["Periods"]
    if (wrong := periods.filter(~periods.str.contains(r"^\d{4}JJ00$"))).len():
        raise refuse(path, f"period {wrong[0]!r} is not a CBS year code (YYYYJJ00)")
    years = periods.str.slice(0, 4).cast(pl.Int32)
    first, last = int(years.min()), int(years.max())  # type: ignore[arg-type]
    the_year = _year(path, year, last, "the last year in the file")
    require_rows(path, "rows", frame.height, expected=DYNAMICS_ROWS.get((first, last)),
                 minimum=1000)
    if bad := bad_numbers(frame, cols.values()):
        raise refuse(path, f"non-numeric values in {', '.join(bad)}")
    kept = frame.filter((pl.col("Sex") == TOTAL_SEX)
                        & pl.col("Regions").str.contains(r"^(GM\d{4}|NL01)$"))
    numeric = kept.with_columns(number(c) for c in cols.values())
    parts = []
    for y in sorted(set(years.to_list())):
        rows = numeric.filter(pl.col("Periods") == f"{y}JJ00")
        parts.append(long_values(rows, "Regions",
                                 {ind: cols[stem] for ind, stem in DYNAMICS.items()}, year=y))
    values = _merge_predecessors(pl.concat(parts), COUNTS)
    areas = (kept.sort("Periods").unique("Regions", keep="last").select(
        pl.col("Regions").alias("code"), pl.col("Regions").str.slice(0, 2).alias("level"),
        pl.col("Regions Label").alias("name") if "Regions Label" in kept.columns
        else pl.col("Regions").alias("name"),
        pl.when(pl.col("Regions").str.starts_with("GM")).then(pl.col("Regions"))
        .otherwise(None).alias("gemeente_code"),
        pl.lit(None, dtype=pl.String).alias("geometry")))
    notes = [f"years {first}–{last}; only 'total male and female' rows of NL and gemeenten kept",
             "Gooise Meren before 2016 = Bussum + Muiden + Naarden (counts summed)"]
    return Parsed("cbs_population_dynamics", the_year, path.name, _sha(raw), frame.height,
                  values=values, areas=areas, notes=notes)


KERNCIJFERS = {
    "population": "TotaleBevolking",
    # The age shares foresight rakes the Vektis 2015 age structure to (issue 16).
    "pct_age_0_5": "JongerDan5Jaar",
    "pct_age_5_10": "k_5Tot10Jaar",
    "pct_age_10_15": "k_10Tot15Jaar",
    "pct_age_15_20": "k_15Tot20Jaar",
    "pct_age_20_25": "k_20Tot25Jaar",
    "pct_age_25_45": "k_25Tot45Jaar",
    "pct_age_45_65": "k_45Tot65Jaar",
    "pct_age_65_80": "k_65Tot80Jaar",
    "pct_age_80plus": "k_80JaarOfOuder",
    "grey_pressure": "GrijzeDruk",
    "deaths": "Sterfte",
    "distance_gp_km": "AfstandTotHuisartsenpraktijk",
    "gp_practices_within_3km": "AantalHuisartsenpraktijkenBinnen3Km",
    "distance_gp_post_km": "AfstandTotHuisartsenpost",
    "distance_hospital_km": "AfstandTotZiekenhuis",
    "hospitals_within_20km": "AantalZiekenhuizenBinnen20Km",
}
# Columns whose stem appears twice (count, then percentage): take the percentage (later) one.
KERNCIJFERS_ROWS = {2015: 770}
MEANS = ("pct_age_0_5", "pct_age_5_10", "pct_age_10_15", "pct_age_15_20", "pct_age_20_25",
         "pct_age_25_45", "pct_age_45_65", "pct_age_65_80", "pct_age_80plus", "grey_pressure",
         "distance_gp_km",
         "gp_practices_within_3km", "distance_gp_post_km", "distance_hospital_km",
         "hospitals_within_20km")


def _weighted_merge(values: pl.DataFrame, year: int) -> pl.DataFrame:
    """A merged gemeente that did not exist yet gets the population-weighted mean of its
    predecessors (the figures are per-inhabitant averages) and the sum of their counts."""
    extra = []
    for successor, (merged_in, parts) in MERGERS.items():
        if year >= merged_in:
            continue
        rows = values.filter(pl.col("area_code").is_in(list(parts)))
        weight = rows.filter(pl.col("indicator") == "population").select(
            "area_code", pl.col("value").alias("w"))
        joined = rows.join(weight, on="area_code")
        means = (joined.filter(pl.col("indicator").is_in(list(MEANS)))
                 .group_by("indicator", "subgroup", "year")
                 .agg(((pl.col("value") * pl.col("w")).sum() / pl.col("w").sum()).alias("value")))
        sums = (joined.filter(~pl.col("indicator").is_in(list(MEANS)))
                .group_by("indicator", "subgroup", "year").agg(pl.col("value").sum()))
        extra.append(pl.concat([means, sums]).with_columns(pl.lit(successor).alias("area_code"))
                     .select(values.columns))
    merged = {s for s in MERGERS}
    kept = values.filter(~(pl.col("area_code").is_in(list(merged)) & pl.col("value").is_null()))
    return pl.concat([kept, *extra]) if extra else values


def parse_kerncijfers(path: Path, raw: bytes, year: int | None,
                      names: Mapping[str, str]) -> Parsed:
    """CBS 70072ned untyped export (';', BOM, padded quoted strings, '.' = secret)."""
    frame = read_csv(raw, path, separator=";")
    require_columns(frame, path, ["RegioS", "Perioden"])
    stems: dict[str, str] = {}
    for column in frame.columns:
        stems[re.sub(r"_\d+$", "", column)] = column  # later (percentage) column wins
    missing = [s for s in KERNCIJFERS.values() if s not in stems]
    if missing:
        raise refuse(path, f"missing column(s) {', '.join(missing)}")
    cols = {ind: stems[stem] for ind, stem in KERNCIJFERS.items()}
    cols["population"] = "TotaleBevolking_1" if "TotaleBevolking_1" in frame.columns \
        else cols["population"]
    # The count of people aged 80 and over is the first k_80JaarOfOuder column (the later one
    # is the percentage); the Gooi plan's argument is about their number.
    first_80 = next((c for c in frame.columns if re.sub(r"_\d+$", "", c) == "k_80JaarOfOuder"),
                    None)
    if first_80 is not None and first_80 != cols["pct_age_80plus"]:
        cols["age_80plus"] = first_80
    periods = frame["Perioden"].unique().to_list()
    if len(periods) != 1 or not re.fullmatch(r"\d{4}JJ00", str(periods[0])):
        raise refuse(path, f"expected one year (YYYYJJ00) in Perioden, found {periods[:5]}")
    the_year = _year(path, year, int(str(periods[0])[:4]), "Perioden")
    require_rows(path, "rows", frame.height, expected=KERNCIJFERS_ROWS.get(the_year), minimum=300)
    if bad := bad_numbers(frame, cols.values()):
        raise refuse(path, f"non-numeric values in {', '.join(bad)}")
    kept = frame.filter(pl.col("RegioS").str.contains(r"^(GM\d{4}|NL01)$"))
    numeric = kept.with_columns(number(c) for c in set(cols.values()))
    values = _weighted_merge(long_values(numeric, "RegioS", cols, year=the_year), the_year)
    # Gemeenten that no longer existed in this year have only empty cells: drop them.
    live = values.group_by("area_code").agg(pl.col("value").is_not_null().any().alias("live"))
    values = values.join(live.filter("live"), on="area_code").drop("live")
    areas = None
    # The untyped export has codes only; CBS ships the names in 82949NED beside it.
    companion = sorted(path.parent.glob("82949NED*.csv"))
    if companion:
        gebieden = parse_gebieden(companion[0], companion[0].read_bytes())
        areas = pl.DataFrame(
            [(c, "GM", n, c) for n, c in gebieden.items() if c.startswith("GM")],
            schema={"code": pl.String, "level": pl.String, "name": pl.String,
                    "gemeente_code": pl.String}, orient="row",
        ).unique("code").with_columns(pl.lit(None, dtype=pl.String).alias("geometry"))
    notes = ["historical gemeenten without figures dropped",
             "Gooise Meren 2015 = population-weighted Bussum, Muiden, Naarden"]
    return Parsed("cbs_kerncijfers", the_year, path.name, _sha(raw), frame.height,
                  values=values, areas=areas, notes=notes)


def parse_gebieden(path: Path, raw: bytes) -> dict[str, str]:
    """CBS 82949NED (gemeente code → name of that year), padded strings."""
    frame = read_csv(raw, path, separator=";")
    require_columns(frame, path, ["RegioS", "Naam_2"])
    return dict(zip(frame["Naam_2"].to_list(), frame["RegioS"].to_list(), strict=True))
