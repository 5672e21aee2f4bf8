"""Gemeente names → CBS codes for files that carry names only (Vektis, NZa 2016)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

# Gemeenten merged into a successor, by year of the merger (CBS gemeentelijke indeling): the
# merger inside the demo regions, to compare years, and those a name-based file still names
# after the merger (tests/opendata/test_real_files.py checks every mapped code against CBS's
# gemeenten of the file's year).
MERGERS: dict[str, tuple[int, tuple[str, ...]]] = {
    "GM1942": (2016, ("GM0381", "GM0424", "GM0425")),  # Gooise Meren = Bussum, Muiden, Naarden
    # Nissewaard = Bernisse, Spijkenisse: NZa 2016 still names Spijkenisse.
    "GM1930": (2015, ("GM0568", "GM0612")),
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
    # A misspelling in NZa 2016's free-text place column; the providers' KvK address says
    # "RIJSWIJK ZH" for every one of these rows.
    "RIJKSWIJK": "GM0603",
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


# Province abbreviations as addresses write them after a place ("RIJSWIJK GLD", "LAREN NH").
PROVINCE_SUFFIX = re.compile(r"\s(GR|FR|DR|OV|FL|GLD|GE|UT|NH|ZH|ZE|NB|LB|L)$")


def same_place_in_province(place: str, address: str) -> bool:
    """Whether ``address`` is ``place`` with a province abbreviation ('Rijswijk' and
    'RIJSWIJK GLD'), which tells apart places that share a name."""
    plain = normalise(address)
    return PROVINCE_SUFFIX.search(plain) is not None \
        and PROVINCE_SUFFIX.sub("", plain) == normalise(place)


def place_code(index: Mapping[str, str], place: str, address: str,
               year: int | None = None) -> str | None:
    """The gemeente of a free-text ``place``, told apart by the ``address`` where CBS itself
    tells the name apart by province: 'Rijswijk' at 'RIJSWIJK ZH' is Rijswijk (ZH.), at
    'RIJSWIJK GLD' it is a village elsewhere (no gemeente); 'Hengelo' at 'HENGELO OV' stays
    Hengelo, because CBS has one gemeente of that name."""
    if same_place_in_province(place, address):
        code = lookup(index, address, year)
        if code is not None:
            return code
        bare = PROVINCE_SUFFIX.sub("", normalise(address))
        if any(PROVINCE_SUFFIX.sub("", key) == bare and key != bare for key in index):
            return None
    return lookup(index, place, year)


def successor(code: str, year: int) -> str:
    """Today's gemeente for a code of a gemeente merged into another by ``year``."""
    for new, (merged_in, parts) in MERGERS.items():
        if code in parts and year >= merged_in:
            return new
    return code


def lookup(index: Mapping[str, str], name: str | None, year: int | None = None) -> str | None:
    """The code for a name, or None when unknown; with ``year``, a gemeente merged by then is
    given as its successor (Bussum in 2016 is Gooise Meren)."""
    if not name:
        return None
    code = index.get(normalise(name)) or index.get(_without_province(name))
    if code is not None and year is not None:
        return successor(code, year)
    return code
