"""Gemeente names → CBS codes for files that carry names only (Vektis, NZa 2016)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

# Gemeenten merged into a successor, by year of the merger (CBS gemeentelijke indeling). Only
# the merger inside the demo regions is needed to compare years; add others when needed.
MERGERS: dict[str, tuple[int, tuple[str, ...]]] = {
    "GM1942": (2016, ("GM0381", "GM0424", "GM0425")),  # Gooise Meren = Bussum, Muiden, Naarden
}

# Place names that are not a gemeente name, for the places of the demo regions (NZa 2016 lists
# providers by place). Taken from the postcode places in demo.areas.POSTCODES.
PLACES: dict[str, str] = {
    "DEN HAAG": "GM0518",
    "SCHEVENINGEN": "GM0518",
    "LEIDSCHENDAM": "GM1916",
    "VOORBURG": "GM1916",
    "STOMPWIJK": "GM1916",
    "BUSSUM": "GM1942",
    "NAARDEN": "GM1942",
    "MUIDEN": "GM1942",
    "MUIDERBERG": "GM1942",
    "LOOSDRECHT": "GM1696",
    "KORTENHOEF": "GM1696",
    "S GRAVELAND": "GM1696",
    "ANKEVEEN": "GM1696",
    "NEDERHORST DEN BERG": "GM1696",
    "HUIZEN": "GM0406",
    "LAREN": "GM0417",
    # Vektis abbreviates long names with "C.A." (cum annexis) and the province with two letters.
    "BERGEN LB": "GM0893",
    "NUENEN CA": "GM0820",
    "HAARLEMMERLIEDE CA": "GM0393",
    "KOLLUMERLAND CA": "GM0079",
}


def normalise(name: str) -> str:
    """Upper case, no accents, punctuation as spaces ('s-Gravenhage → S GRAVENHAGE)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Z0-9]+", " ", plain.upper()).strip()


def _without_province(name: str) -> str:
    # CBS disambiguates with the province: "Laren (NH.)", "Rijswijk (ZH.)"; Vektis does not.
    return normalise(re.sub(r"\s*\(.*?\)\s*$", "", name))


def build_index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Normalised name → code from (code, name) pairs; later pairs (newer years) win."""
    index: dict[str, str] = dict(PLACES)
    short: dict[str, set[str]] = {}
    for code, name in pairs:
        index[normalise(name)] = code
        short.setdefault(_without_province(name), set()).add(code)
    for bare, codes in short.items():
        if len(codes) == 1:
            index.setdefault(bare, next(iter(codes)))
    return index


def lookup(index: Mapping[str, str], name: str | None) -> str | None:
    """The code for a name, or None when unknown."""
    if not name:
        return None
    return index.get(normalise(name)) or index.get(_without_province(name))
