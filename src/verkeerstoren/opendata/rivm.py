"""RIVM Gezondheidsmonitor per wijk en buurt (StatLine 50090NED), 18+ or 65+, one year a file."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from verkeerstoren.opendata.reading import (
    Parsed,
    bad_numbers,
    long_values,
    number,
    read_table,
    refuse,
    require_columns,
    require_rows,
)

# CBS stem → indicator code (all are % of the age group).
HEALTH = {
    "ErvarenGezondheidGoedZeerGoed": "good_health",
    "VoldoetAanBeweegrichtlijn": "meets_activity_guideline",
    "WekelijkseSporters": "weekly_sport",
    "Overgewicht": "overweight",
    "ErnstigOvergewicht": "obese",
    "Roker": "smoker",
    "ZwareDrinker": "heavy_drinker",
    "EenOfMeerLangdurigeAandoeningen": "long_term_condition",
    "BeperktVanwegeGezondheid": "limited_by_health",
    "ErnstigBeperktVanwegeGezondheid": "severely_limited_by_health",
    "EenOfMeerLichamelijkeBeperkingen": "physical_disability",
    "BeperkingInBewegen": "mobility_disability",
    "MatigHoogRisicoOpAngstOfDepressie": "anxiety_depression_risk",
    "HoogRisicoOpAngstOfDepressie": "anxiety_depression_high_risk",
    "HeelVeelStressInAfgelopen4Weken": "much_stress",
    "MatigVeelRegieOverEigenLeven": "control_over_life",
    "Eenzaam": "lonely",
    "ErnstigZeerErnstigEenzaam": "severely_lonely",
    "Mantelzorger": "informal_carer",
    "Vrijwilligerswerk": "volunteer",
    "MoeiteMetRondkomen": "difficulty_making_ends_meet",
}
AGE_GROUPS = {"20300": "18+", "80200": "65+"}
ROWS = {2016: 17341, 2020: 17341}


def parse_health(path: Path, raw: bytes, year: int | None, names: Mapping[str, str]) -> Parsed:
    """One 50090NED export (CSV or the StatLine xlsx); buurten are checked but not stored."""
    frame = read_table(raw, path)
    fixed = require_columns(frame, path, ["Leeftijd", "Marges", "WijkenEnBuurten", "Perioden",
                                          "SoortRegio", "Codering"], stems=True)
    cols = require_columns(frame, path, HEALTH, stems=True)
    ages = frame[fixed["Leeftijd"]].unique().to_list()
    if len(ages) != 1 or ages[0] not in AGE_GROUPS:
        raise refuse(path, f"expected one age group (20300 or 80200) in Leeftijd, found {ages[:4]}")
    periods = frame[fixed["Perioden"]].unique().to_list()
    if len(periods) != 1 or not str(periods[0]).endswith("JJ00"):
        raise refuse(path, f"expected one year in Perioden, found {periods[:4]}")
    file_year = int(str(periods[0])[:4])
    if year is not None and year != file_year:
        raise refuse(path, f"Perioden is {file_year}, not the requested year {year}")
    if (margins := frame[fixed["Marges"]].unique().to_list()) != ["MW00000"]:
        raise refuse(path, f"expected point estimates only (Marges MW00000), found {margins[:4]}")
    require_rows(path, "rows", frame.height, expected=ROWS.get(file_year), minimum=3000)
    if bad := bad_numbers(frame, cols.values()):
        raise refuse(path, f"non-numeric values in {', '.join(bad)}")
    code = fixed["Codering"]
    kept = frame.filter(pl.col(code).str.contains(r"^(NL01|GM\d{4}|WK\d{4}[0-9A-Z]{2})$"))
    numeric = kept.with_columns(number(c) for c in cols.values())
    values = long_values(numeric, code, {ind: cols[stem] for stem, ind in HEALTH.items()},
                         year=file_year, subgroup=AGE_GROUPS[str(ages[0])])
    secret = int(frame.select(pl.sum_horizontal(
        pl.col(c).str.strip_chars() == "." for c in cols.values())).sum().item())
    group = AGE_GROUPS[str(ages[0])]
    notes = [f"age group {group}; {secret} cells marked '.' (not published) in the file",
             f"{frame.height - kept.height} buurt rows checked, not stored (no buurt boundaries)",
             "model-based small-area estimates (RIVM SMAP), regional division 2020"]
    key = "rivm_health_" + ("18plus" if group == "18+" else "65plus")
    return Parsed(key, file_year, path.name, hashlib.sha256(raw).hexdigest(), frame.height,
                  values=values, notes=notes)
