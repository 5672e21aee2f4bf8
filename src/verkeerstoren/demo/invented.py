"""The invented organisations of the demo region: who they are, where they sit, what they offer.

Everything here is fiction placed on real geography. Names carry :data:`DEMO` so that nobody
mistakes a demo bed for a real one; the kinds, bed types and team skills follow the vocabulary
of the region plans (ELV, GRZ, Wlz crisis/respijt, hospice, GGZ crisis, wijkverpleging).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from verkeerstoren.registry.models import OrganisationKind

DEMO = " (demo)"


def demo(name: str) -> str:
    return name + DEMO


@dataclass(frozen=True)
class UnitTemplate:
    name: str
    beds: tuple[tuple[str, int, int], ...]  # (bed type code, fewest, most)
    feature_pool: tuple[str, ...]
    always: tuple[str, ...] = ()  # features the unit is defined by


# Unit menus per kind of location; (menu, fewest units, most units).
NURSING_HOME = (
    UnitTemplate("Kortdurend Verblijf", (("short_stay_low", 2, 4), ("short_stay_high", 1, 3)),
                 ("oxygen", "isolation", "partner_stay", "pets")),
    UnitTemplate("Geriatrische Revalidatie", (("geriatric_rehab", 4, 9),),
                 ("oxygen", "bariatric", "isolation")),
    UnitTemplate("Logeer- en Crisiszorg", (("ltc_respite", 1, 3), ("ltc_crisis", 1, 3)),
                 ("smoking", "pets", "partner_stay")),
    UnitTemplate("Psychogeriatrie Kortdurend", (("short_stay_high", 2, 4), ("ltc_crisis", 1, 2)),
                 ("oxygen", "smoking"), always=("dementia_closed",)),
    UnitTemplate("Multifunctionele Unit", (("multifunctional", 2, 4), ("short_stay_low", 1, 2),
                                           ("short_stay_palliative", 1, 2)),
                 ("oxygen", "isolation", "bariatric")),
)
HOSPITAL = (
    UnitTemplate("Acute Geriatrie en Observatie",
                 (("observation", 4, 6), ("multifunctional", 2, 4)),
                 ("ventilation", "dialysis", "bariatric"), always=("oxygen", "isolation")),
    UnitTemplate("GRZ-afdeling", (("geriatric_rehab", 6, 12),), ("bariatric", "dialysis"),
                 always=("oxygen",)),
    UnitTemplate("Transferunit", (("short_stay_high", 3, 6), ("short_stay_palliative", 1, 3)),
                 ("isolation", "bariatric"), always=("oxygen",)),
)
HOSPICE = (
    UnitTemplate("Hospice", (("hospice", 4, 7), ("short_stay_palliative", 1, 2)),
                 ("oxygen", "pets"), always=("partner_stay",)),
)
MENTAL_HEALTH = (
    UnitTemplate("Crisisafdeling", (("mental_health_crisis", 4, 8),), ("smoking",),
                 always=("isolation",)),
    UnitTemplate("Kortdurende Opname", (("mental_health_short_stay", 5, 10),), ("smoking", "pets")),
)
SMALL_SCALE = (
    UnitTemplate("Kleinschalig Verblijf", (("short_stay_low", 2, 4), ("ltc_respite", 1, 2)),
                 ("dementia_closed", "pets", "partner_stay")),
)

MENUS: dict[str, tuple[tuple[UnitTemplate, ...], int, int]] = {
    "nursing_home": (NURSING_HOME, 1, 2),
    "hospital": (HOSPITAL, 2, 3),
    "hospice": (HOSPICE, 1, 1),
    "mental_health": (MENTAL_HEALTH, 2, 2),
    "small_scale": (SMALL_SCALE, 1, 1),
}

# How a location of each kind is called; house names below make it unique.
LOCATION_PREFIX = {
    "nursing_home": ("Zorgcentrum", "Verpleeghuis", "Woonzorgcentrum"),
    "hospital": ("Locatie",),
    "hospice": ("Hospice",),
    "mental_health": ("GGZ-centrum",),
    "small_scale": ("Kleinschalig Wonen",),
}
HOUSE_NAMES = (
    "De Akker", "Het Anker", "De Bongerd", "De Boomgaard", "Duinzicht", "De Eik", "Het Hofje",
    "De Horst", "De Lindenhof", "De Linde", "Rozenhof", "De Vliet", "Het Baken", "De Wilgen",
    "Zonnehof", "De Meerkoet", "Het Veerhuis", "De Kastanje", "Berkenstede", "De Heideroos",
    "Het Weiland", "De Watertoren", "Ter Weide", "De Vaart", "De Hooiberg", "Het Zwanenhof",
    "De Klaproos", "Het Lindenhuis", "De Rietkraag", "Oostergaarde", "De Zeven Sterren",
    "Het Kompas", "De Wending", "Hofstede", "De Hazelaar", "Het Vlonder",
)
STREETS = (
    "Dorpsstraat", "Kerkweg", "Parklaan", "Stationsweg", "Molenweg", "Schoolstraat",
    "Julianalaan", "Emmalaan", "Beatrixlaan", "Wilhelminastraat", "Lindenlaan", "Eikenlaan",
    "Zorgstraat", "Rozenstraat", "Vaartweg", "Burgemeester de Withstraat", "Hoflaan",
    "Brinklaan", "Nieuweweg", "Oude Haven",
)


@dataclass(frozen=True)
class OrgSpec:
    name: str  # without the demo suffix
    kind: OrganisationKind
    # (kind of location, gemeente code) for each site
    locations: tuple[tuple[str, str], ...] = ()


P = OrganisationKind.PROVIDER

# Provider names are invented; any likeness to a real organisation is unintended.
PROVIDERS: tuple[OrgSpec, ...] = (
    OrgSpec("Zorggroep Zoetermeer", P, (
        ("nursing_home", "GM0637"), ("nursing_home", "GM0637"), ("nursing_home", "GM0637"),
        ("small_scale", "GM0637"))),
    OrgSpec("Stadsziekenhuis Zoetermeer", P, (("hospital", "GM0637"),)),
    OrgSpec("Hospice Het Palet", P, (("hospice", "GM0637"),)),
    OrgSpec("Haagse Ouderenzorg", P, tuple(("nursing_home", "GM0518") for _ in range(5))),
    OrgSpec("Residentie Zorg Haaglanden", P, (
        ("nursing_home", "GM0518"), ("small_scale", "GM0518"), ("nursing_home", "GM0603"),
        ("nursing_home", "GM0603"), ("nursing_home", "GM1916"))),
    OrgSpec("Vliethoven Zorg", P, (
        ("nursing_home", "GM1916"), ("small_scale", "GM1916"), ("nursing_home", "GM0629"))),
    OrgSpec("Medisch Centrum Hofstad", P, (("hospital", "GM0518"), ("hospital", "GM0518"))),
    OrgSpec("Hospice De Duinroos", P, (("hospice", "GM0518"), ("hospice", "GM0629"))),
    OrgSpec("GGZ Kust en Duin", P, (
        ("mental_health", "GM0518"), ("mental_health", "GM0518"), ("mental_health", "GM0637"))),
    OrgSpec("Thuiszorg Haaglanden", P),
    OrgSpec("Gooise Zorggroep", P, (
        ("nursing_home", "GM0402"), ("nursing_home", "GM0402"), ("small_scale", "GM0402"),
        ("nursing_home", "GM0406"), ("nursing_home", "GM0406"), ("nursing_home", "GM0376"),
        ("nursing_home", "GM0417"))),
    OrgSpec("Vechtstreek Zorg", P, (
        ("nursing_home", "GM1942"), ("nursing_home", "GM1942"), ("nursing_home", "GM1696"),
        ("small_scale", "GM1696"), ("nursing_home", "GM0317"))),
    OrgSpec("Ziekenhuis Gooi-Midden", P, (("hospital", "GM0402"),)),
    OrgSpec("Hospice De Gooise Linde", P, (("hospice", "GM0402"), ("hospice", "GM0406"))),
    OrgSpec("GGZ Eemland-Gooi", P, (("mental_health", "GM0402"),)),
    OrgSpec("Wijkzorg Gooi en Vecht", P),
)

OTHERS: tuple[OrgSpec, ...] = (
    OrgSpec("Centraal Coördinatiepunt Zoetermeer", OrganisationKind.COORDINATION_POINT),
    OrgSpec("Regionaal Transferpunt Gooi en Vechtstreek", OrganisationKind.COORDINATION_POINT),
    OrgSpec("Gemeente Zoetermeer", OrganisationKind.MUNICIPALITY),
    OrgSpec("Gemeente Hilversum", OrganisationKind.MUNICIPALITY),
    OrgSpec("Zorgverzekeraar Kust en Gooi", OrganisationKind.INSURER),
    OrgSpec("Huisartsenpraktijk Meerzicht", OrganisationKind.GP_PRACTICE),
    OrgSpec("Huisartsenpraktijk Hilversum-Oost", OrganisationKind.GP_PRACTICE),
)


@dataclass(frozen=True)
class TeamPlan:
    provider: str
    label: str  # the area in the team name
    gemeenten: tuple[str, ...]
    teams: int  # how many teams split the area between them
    skills: tuple[str, ...] = ()  # set for region-wide specialist teams


TEAMS: tuple[TeamPlan, ...] = (
    TeamPlan("Zorggroep Zoetermeer", "Zoetermeer", ("GM0637",), 3),
    TeamPlan("Thuiszorg Haaglanden", "Den Haag", ("GM0518",), 5),
    TeamPlan("Thuiszorg Haaglanden", "Rijswijk", ("GM0603",), 1),
    TeamPlan("Thuiszorg Haaglanden", "Wassenaar", ("GM0629",), 1),
    TeamPlan("Vliethoven Zorg", "Leidschendam-Voorburg", ("GM1916",), 2),
    TeamPlan("Gooise Zorggroep", "Hilversum", ("GM0402",), 2),
    TeamPlan("Gooise Zorggroep", "Huizen", ("GM0406",), 1),
    TeamPlan("Wijkzorg Gooi en Vecht", "Gooise Meren", ("GM1942",), 1),
    TeamPlan("Wijkzorg Gooi en Vecht", "Blaricum, Eemnes en Laren", ("GM0376", "GM0317", "GM0417"),
             1),
    TeamPlan("Wijkzorg Gooi en Vecht", "Wijdemeren", ("GM1696",), 1),
    TeamPlan("Thuiszorg Haaglanden", "Palliatief Team Haaglanden",
             ("GM0637", "GM0518", "GM1916", "GM0603", "GM0629"), 1,
             skills=("palliative", "technical", "wound_care")),
    TeamPlan("Wijkzorg Gooi en Vecht", "Psychiatrische Wijkverpleging Gooi",
             ("GM0376", "GM0317", "GM1942", "GM0402", "GM0406", "GM0417", "GM1696"), 1,
             skills=("psychiatric", "dementia")),
)

GENERAL_SKILLS = ("wound_care", "diabetes")
EXTRA_SKILLS = ("palliative", "dementia", "technical", "psychiatric", "children")

# Postcode letters that PostNL does not hand out.
_BANNED_LETTERS = frozenset({"SA", "SD", "SS"})
_LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"


def postcode(
    rng: random.Random, ranges: tuple[tuple[int, int, str], ...], wijk_name: str
) -> tuple[str, str]:
    """An invented postcode ("2711AB") and its place from one of a gemeente's ranges, from the
    place the wijk is named after when there is one (Kortenhoef, Naarden, Voorburg …)."""
    named = tuple(r for r in ranges if r[2].lower() in wijk_name.lower())
    first, last, place = rng.choice(named or ranges)
    digits = rng.randint(first, last)
    letters = "SA"
    while letters in _BANNED_LETTERS:
        letters = rng.choice(_LETTERS) + rng.choice(_LETTERS)
    return f"{digits}{letters}", place


def split_codes(ranges: list[tuple[int, int]], parts: int) -> list[list[tuple[int, int]]]:
    """Cut a set of postcode ranges into ``parts`` contiguous pieces, each again as ranges."""
    codes = sorted({c for first, last in ranges for c in range(first, last + 1)})
    size, extra = divmod(len(codes), parts)
    pieces: list[list[tuple[int, int]]] = []
    start = 0
    for i in range(parts):
        chunk = codes[start : start + size + (1 if i < extra else 0)]
        start += len(chunk)
        merged: list[tuple[int, int]] = []
        for c in chunk:
            if merged and merged[-1][1] == c - 1:
                merged[-1] = (merged[-1][0], c)
            else:
                merged.append((c, c))
        pieces.append(merged)
    return pieces
