"""Care-use rates per sex and 5-year age group: what one person of that age uses in a year.

Three sources, in the order a sector falls back on them:

- **Vektis Zvw 2015 per gemeente** (``vektis_zvw_gemeente_2015``): costs per insured-year per
  sex × age class for 22 cost columns; a sector sums its columns. Costs are the only volume the
  file has, so the unit is euros at 2015 prices; growth (the index) does not depend on the price
  level. A gemeente's own cell is used where it has at least ``MIN_INSURED_YEARS`` insured-years,
  the national rate of the same cell otherwise (small cells are noise).
- **Vektis Zvw 2023 national reference rates** (``vektis_zvw_gemeente_2023_benchmark``): total
  Zvw cost per insured-year per sex × age class (no split by category in that file).
- **Rates a region enters** (``SectorRatesIn``): per age group, in the sector's own unit (visits,
  hours, bed-days per person per year); the demo's V&V schedule is one (marked invented).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from verkeerstoren.foresight.population import AGE_GROUPS, SEXES
from verkeerstoren.opendata.names import normalise

VEKTIS_2015 = "vektis_zvw_gemeente_2015/vektis_open_databestand_zvw_2015_gemeente.csv"
NATIONAL_2023 = "vektis_zvw_gemeente_2023_benchmark/national_age_sex_reference_rates.csv"
# Below this many insured-years in a sex × age cell a gemeente's own rate is noise (a handful of
# people with one expensive treatment); the national rate of the cell is used instead.
MIN_INSURED_YEARS = 200.0
Rates = NDArray[np.float64]  # shape (2, 19): per person per year, [sex, age group]


@dataclass(frozen=True)
class Sector:
    """A care sector the demand is projected for, with where its default rates come from."""

    key: str
    label: str  # English msgid; the page shows the Dutch text
    unit: str  # English msgid of the unit of the rates and of the demand
    vektis_columns: tuple[str, ...] = ()  # Vektis 2015 cost columns summed, if any
    schedule: tuple[float, ...] = ()  # an entered per-age schedule (both sexes) otherwise
    schedule_note: str = ""
    bed_sector: bool = False  # length of stay moves its demand (bed-days)


EUR = "euro per year (2015 prices)"
# V&V (Wlz nursing-home care) is not in the Zvw file. Residents per person by age group: an
# assumed schedule of the usual shape (negligible before 65, about 1 in 5 at 90+), invented for
# the demo and labelled as such wherever it is shown; a region enters its own.
VV_SCHEDULE = (0.0,) * 13 + (0.002, 0.005, 0.012, 0.035, 0.09, 0.22)
SECTORS: tuple[Sector, ...] = (
    Sector("gp", "GP care", EUR, ("KOSTEN_HUISARTS_INSCHRIJFTARIEF", "KOSTEN_HUISARTS_CONSULT",
                                  "KOSTEN_HUISARTS_MDZ", "KOSTEN_HUISARTS_OVERIG")),
    Sector("district_nursing", "District nursing", EUR, ("KOSTEN_VERPLEGING_EN_VERZORGING",)),
    Sector("hospital", "Hospital care", EUR, ("KOSTEN_MEDISCH_SPECIALISTISCHE_ZORG",)),
    Sector("emergency", "Emergency care (ambulance)", EUR, ("KOSTEN_ZIEKENVERVOER_LIGGEND",)),
    Sector("nursing_home", "Nursing and care homes (V&V)", "residents",
           schedule=VV_SCHEDULE,
           schedule_note="invented demo schedule: V&V is Wlz care, not in the Zvw file"),
    Sector("mental_health", "Mental health care (GGZ)", EUR,
           ("KOSTEN_SPECIALISTISCHE_GGZ", "KOSTEN_GENERALISTISCHE_BASIS_GGZ",
            "KOSTEN_LANGDURIGE_GGZ")),
    Sector("short_stay", "Short stay and geriatric rehabilitation (ELV/GRZ)", EUR,
           ("KOSTEN_GERIATRISCHE_REVALIDATIEZORG",), bed_sector=True),
    Sector("zvw_total_2023", "All Zvw care (national rates 2023)", "euro per year (2023 prices)"),
)
SECTOR_KEYS = tuple(s.key for s in SECTORS)
BY_KEY = {s.key: s for s in SECTORS}


def data_dir() -> Path:
    """The shared open-data folder (``VERKEERSTOREN_DATA_DIR`` or beside the checkout)."""
    from verkeerstoren.settings import _default_data_dir

    configured = os.environ.get("VERKEERSTOREN_DATA_DIR")
    return Path(configured) if configured else _default_data_dir()


def age_index(label: str) -> int:
    """' 0 t/m  4 jaar' → 0, '85 t/m 89 jaar' → 17, '90+' → 18 (Vektis spelling)."""
    found = re.match(r"\s*(\d+)", label)
    if found is None:
        raise ValueError(f"not an age class: {label!r}")
    return min(int(found.group(1)) // 5, len(AGE_GROUPS) - 1)


SEX_INDEX = {"M": 0, "V": 1}


@dataclass(frozen=True)
class VektisTable:
    """Vektis 2015 per gemeente name: costs[name][column] (2, 19) and insured-years (2, 19)."""

    columns: tuple[str, ...]
    costs: dict[str, NDArray[np.float64]]  # name → (columns, 2, 19)
    insured: dict[str, NDArray[np.float64]]  # name → (2, 19)

    def national(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return (np.sum(list(self.costs.values()), axis=0),
                np.sum(list(self.insured.values()), axis=0))


@lru_cache(maxsize=2)
def vektis_2015(path: Path) -> VektisTable:
    """The 2015 file read once per process (14,735 rows, ~0.1 s)."""
    frame = pl.read_csv(path.read_bytes().decode("latin-1").encode("utf-8"), separator=";",
                        infer_schema_length=0)
    frame = frame.filter(pl.col("GEMEENTENAAM").is_not_null()
                         & (pl.col("GEMEENTENAAM").str.strip_chars() != ""))
    columns = tuple(c for c in frame.columns if c.startswith("KOSTEN_"))
    costs: dict[str, NDArray[np.float64]] = {}
    insured: dict[str, NDArray[np.float64]] = {}
    values = frame.select([pl.col(c).cast(pl.Float64) for c in ("AANTAL_VERZEKERDEJAREN",
                                                                 *columns)]).to_numpy()
    for i, (sex, age, name) in enumerate(frame.select("GESLACHT", "LEEFTIJDSKLASSE",
                                                      "GEMEENTENAAM").iter_rows()):
        key = normalise(name)
        if key not in costs:
            costs[key] = np.zeros((len(columns), len(SEXES), len(AGE_GROUPS)))
            insured[key] = np.zeros((len(SEXES), len(AGE_GROUPS)))
        s, a = SEX_INDEX[sex.strip()], age_index(age)
        insured[key][s, a] += values[i, 0]
        costs[key][:, s, a] += values[i, 1:]
    return VektisTable(columns, costs, insured)


@lru_cache(maxsize=2)
def national_2023(path: Path) -> Rates:
    """Total Zvw cost per insured-year per sex × age class, the Netherlands 2023."""
    frame = pl.read_csv(path)
    rates = np.zeros((len(SEXES), len(AGE_GROUPS)))
    for sex, age, rate in frame.select("geslacht", "leeftijdsklasse",
                                       "national_rate_per_insured_year").iter_rows():
        rates[SEX_INDEX[sex], age_index(age)] = float(rate)
    return rates


def _sector_columns(table: VektisTable, sector: Sector) -> list[int]:
    return [table.columns.index(c) for c in sector.vektis_columns]


def vektis_rates(sector: Sector, gemeente_names: list[str] | None,
                 folder: Path | None = None) -> Rates:
    """The sector's 2015 rates for the gemeenten named (pooled), or nationally (None).

    A pooled cell with fewer than ``MIN_INSURED_YEARS`` insured-years takes the national rate."""
    table = vektis_2015((folder or data_dir()) / VEKTIS_2015)
    cols = _sector_columns(table, sector)
    all_costs, all_insured = table.national()
    national = all_costs[cols].sum(axis=0) / np.maximum(all_insured, 1e-9)
    if not gemeente_names:
        return np.asarray(national, dtype=np.float64)
    known = [normalise(n) for n in gemeente_names if normalise(n) in table.costs]
    if not known:
        return np.asarray(national, dtype=np.float64)
    costs = np.sum([table.costs[n][cols].sum(axis=0) for n in known], axis=0)
    insured = np.sum([table.insured[n] for n in known], axis=0)
    own = costs / np.maximum(insured, 1e-9)
    return np.asarray(np.where(insured >= MIN_INSURED_YEARS, own, national), dtype=np.float64)


def default_rates(sector: Sector, gemeente_names: list[str] | None,
                  folder: Path | None = None) -> Rates:
    """The rates a sector uses unless the region entered its own."""
    if sector.key == "zvw_total_2023":
        return national_2023((folder or data_dir()) / NATIONAL_2023)
    if sector.schedule:
        return np.array([sector.schedule, sector.schedule], dtype=np.float64)
    return vektis_rates(sector, gemeente_names, folder)


def source_label(sector: Sector, entered: bool) -> str:
    """Where the sector's rates come from (English msgid)."""
    if entered:
        return "rates entered by the region"
    if sector.key == "zvw_total_2023":
        return "Vektis Zvw 2023, national rates per sex and age class"
    if sector.schedule:
        return "assumed schedule per age group (invented demo figures)"
    return "Vektis Zvw 2015 per gemeente, per sex and age class"
