"""What can be loaded: one parser per publisher's table, its provenance and the default files."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from verkeerstoren.opendata import cbs, nza, pdok, rivm, vektis
from verkeerstoren.opendata.reading import Parsed

Parser = Callable[[Path, bytes, int | None, Mapping[str, str]], Parsed]


@dataclass(frozen=True)
class Provenance:
    """Who published a table, under which id and licence (shown under every figure)."""

    title: str
    publisher: str
    table_id: str
    licence: str

    def caption(self, year: int) -> str:
        """'Bron: CBS, 85984NED (2024)'-style attribution."""
        return f"{self.publisher}, {self.title} ({self.table_id}), {year}"


PARSERS: dict[str, Parser] = {
    "cbs_kwb": cbs.parse_kwb,
    "cbs_population_dynamics": cbs.parse_population_dynamics,
    "cbs_kerncijfers": cbs.parse_kerncijfers,
    "pdok_boundaries": pdok.parse_boundaries,
    "rivm_health": rivm.parse_health,
    "vektis_zvw": vektis.parse_zvw,
    "vektis_benchmark": vektis.parse_benchmark,
    "vektis_categories": vektis.parse_categories,
    "nza_ggz_2016": nza.parse_ggz_2016,
    "nza_ggz_2018": nza.parse_ggz_2018,
}

CC_BY = "CC BY 4.0"
PROVENANCE: dict[str, Provenance] = {
    "cbs_kwb": Provenance("Kerncijfers wijken en buurten", "CBS", "85984NED", CC_BY),
    "cbs_population_dynamics": Provenance(
        "Population dynamics; birth, death and migration per region", "CBS", "37259ENG", CC_BY),
    "cbs_kerncijfers": Provenance("Regionale kerncijfers Nederland", "CBS", "70072ned", CC_BY),
    "pdok_gemeenten": Provenance("Wijk- en buurtkaart, gemeenten", "CBS / Kadaster (PDOK)",
                                 "wijkenbuurten/gemeenten", CC_BY),
    "pdok_wijken": Provenance("Wijk- en buurtkaart, wijken", "CBS / Kadaster (PDOK)",
                              "wijkenbuurten/wijken", CC_BY),
    "rivm_health_18plus": Provenance(
        "Gezondheid per wijk en buurt, 18 jaar en ouder",
        "Gezondheidsmonitor Volwassenen en Ouderen, GGD'en, CBS en RIVM", "50090NED",
        "reuse with attribution (RIVM StatLine)"),
    "rivm_health_65plus": Provenance(
        "Gezondheid per wijk en buurt, 65 jaar en ouder",
        "Gezondheidsmonitor Volwassenen en Ouderen, GGD'en, CBS en RIVM", "50090NED",
        "reuse with attribution (RIVM StatLine)"),
    "vektis_zvw": Provenance("Open Databestand Zorgverzekeringswet, gemeente", "Vektis",
                             "Zvw gemeente", "Vektis open data: attribution, no resale"),
    "vektis_benchmark": Provenance(
        "Zvw-kosten gestandaardiseerd naar leeftijd en geslacht (afgeleide analyse)",
        "Vektis (bewerking M. Dadgar)", "Zvw gemeente benchmark",
        "derived tables, no licence stated; internal use"),
    "vektis_categories": Provenance(
        "Zvw-kosten per zorgcategorie (afgeleide analyse van het Vektis-bestand 2023)",
        "Vektis (bewerking M. Dadgar)", "Zvw gemeente categorieën",
        "derived tables, no licence stated; internal use"),
    "nza_ggz": Provenance("Wachttijden ggz (websites zorgaanbieders)", "NZa", "wachttijden ggz",
                          "CC0 1.0 (2016); not stated (2018), attribution 'Bron: NZa'"),
}

# Default files in the shared data folder, in load order: CBS names first, because the Vektis
# and NZa 2016 files carry gemeente names only.
DEFAULT_FILES: tuple[tuple[str, str], ...] = (
    ("cbs_kwb", "cbs_kwb_2024_gemeente_wijk/kwb2024_gemeente_wijk.csv"),
    ("pdok_boundaries", "pdok_cbs_gemeenten_wijken_2024/gemeenten_2024.geojson"),
    ("pdok_boundaries", "pdok_cbs_gemeenten_wijken_2024/wijken_2024.geojson"),
    ("cbs_population_dynamics",
     "cbs_population_dynamics_2012_2023/250112_CLEAN_population_regional_NL.csv"),
    ("cbs_kerncijfers",
     "cbs_regionale_kerncijfers_2015/70072ned_UntypedDataSet_06062018_000805.csv"),
    ("rivm_health", "rivm_gezondheid_wijk_buurt_2016_2020/gezondheid_wijk_buurt_2016_18plus.csv"),
    ("rivm_health", "rivm_gezondheid_wijk_buurt_2016_2020/gezondheid_wijk_buurt_2016_65plus.csv"),
    ("rivm_health", "rivm_gezondheid_wijk_buurt_2016_2020/gezondheid_wijk_buurt_2020_18plus.csv"),
    ("rivm_health", "rivm_gezondheid_wijk_buurt_2016_2020/gezondheid_wijk_buurt_2020_65plus.csv"),
    ("vektis_zvw", "vektis_zvw_gemeente_2015/vektis_open_databestand_zvw_2015_gemeente.csv"),
    ("vektis_benchmark", "vektis_zvw_gemeente_2023_benchmark/municipality_benchmark.csv"),
    ("vektis_categories",
     "vektis_zvw_gemeente_2023_benchmark/category_breakdown_all_municipalities.csv"),
    ("nza_ggz_2016", "nza_wachttijden_ggz_2016/brondata_wachttijden_ggz_2016_ruw.csv"),
    ("nza_ggz_2018", "nza_wachttijden_ggz_2018/ggz_wachttijden_q1_2018.csv"),
)


def parse(kind: str, path: Path, *, year: int | None = None,
          names: Mapping[str, str] | None = None) -> Parsed:
    """Read and check one file with the parser of ``kind``; nothing is written."""
    from verkeerstoren.errors import ValidationProblem

    if kind not in PARSERS:
        raise ValidationProblem("kind", f"unknown data set kind {kind!r}; one of "
                                        f"{', '.join(PARSERS)}")
    if not path.is_file():
        raise ValidationProblem("path", f"{path} not found")
    return PARSERS[kind](path, path.read_bytes(), year, names or {})
