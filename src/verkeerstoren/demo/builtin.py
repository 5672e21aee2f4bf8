"""The small built-in demo region, for when the open-data folder is not at hand.

Zoetermeer only, with four of its wijken. Codes, names, populations (1 January 2024) and the
interior points are copied from CBS Kerncijfers wijken en buurten 2024 and the PDOK wijk
boundaries, so the fallback is small but not made up.
"""

from __future__ import annotations

from verkeerstoren.demo.areas import Areas, GemeenteArea, WijkArea
from verkeerstoren.demo.invented import OTHERS, PROVIDERS, TEAMS, OrgSpec, TeamPlan

AREAS = Areas(
    gemeenten=(GemeenteArea("GM0637", "Zoetermeer", "Haaglanden", 128434),),
    wijken=(
        WijkArea("WK063700", "Centrum", "GM0637", 21690, 52.05551, 4.49421),
        WijkArea("WK063701", "Meerzicht", "GM0637", 15915, 52.05616, 4.46820),
        WijkArea("WK063705", "Rokkeveen", "GM0637", 20725, 52.04096, 4.48119),
        WijkArea("WK063706", "Oosterheem", "GM0637", 23730, 52.05973, 4.53923),
    ),
)

# The Zoetermeer organisations of the full plan, trimmed to about forty beds.
_KEEP_LOCATIONS = {
    "Zorggroep Zoetermeer": (("nursing_home", "GM0637"), ("nursing_home", "GM0637")),
    "Stadsziekenhuis Zoetermeer": (("hospital", "GM0637"),),
    "Hospice Het Palet": (("hospice", "GM0637"),),
}
PROVIDERS_BUILTIN: tuple[OrgSpec, ...] = tuple(
    OrgSpec(p.name, p.kind, _KEEP_LOCATIONS[p.name]) for p in PROVIDERS if p.name in _KEEP_LOCATIONS
)
OTHERS_BUILTIN: tuple[OrgSpec, ...] = tuple(
    o for o in OTHERS
    if o.name in {"Centraal Coördinatiepunt Zoetermeer", "Gemeente Zoetermeer",
                  "Zorgverzekeraar Kust en Gooi", "Huisartsenpraktijk Meerzicht"}
)
TEAMS_BUILTIN: tuple[TeamPlan, ...] = tuple(t for t in TEAMS if t.gemeenten == ("GM0637",))
