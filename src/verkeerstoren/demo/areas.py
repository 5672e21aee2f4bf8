"""The real gemeenten and wijken of the two demo regions, read from the CBS/PDOK open data.

Names and populations come from CBS Kerncijfers wijken en buurten 2024
(``cbs_kwb_2024_gemeente_wijk``), or from the PDOK attribute tables when that extract is
absent; a point inside every wijk comes from the PDOK wijk boundaries
(``pdok_cbs_gemeenten_wijken_2024``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

# The selection the project works with (DESIGN.md): five Haaglanden gemeenten around Zoetermeer
# and the seven of Gooi en Vechtstreek.
REGION_GEMEENTEN: dict[str, tuple[str, ...]] = {
    "Haaglanden": ("GM0637", "GM0518", "GM1916", "GM0603", "GM0629"),
    "Gooi en Vechtstreek": (
        "GM0376", "GM0317", "GM1942", "GM0402", "GM0406", "GM0417", "GM1696",
    ),
}

# Plausible 4-digit postcode ranges (first, last, place) per gemeente for invented addresses.
POSTCODES: dict[str, tuple[tuple[int, int, str], ...]] = {
    "GM0637": ((2711, 2729, "Zoetermeer"),),
    "GM0518": ((2491, 2599, "Den Haag"),),
    "GM1916": ((2261, 2267, "Leidschendam"), (2271, 2275, "Voorburg")),
    "GM0603": ((2280, 2289, "Rijswijk"),),
    "GM0629": ((2241, 2245, "Wassenaar"),),
    "GM0402": ((1211, 1223, "Hilversum"),),
    "GM0406": ((1271, 1277, "Huizen"),),
    "GM1942": ((1398, 1399, "Muiden"), (1400, 1406, "Bussum"), (1411, 1412, "Naarden")),
    "GM0376": ((1261, 1262, "Blaricum"),),
    "GM0417": ((1251, 1251, "Laren"),),
    "GM0317": ((3755, 3755, "Eemnes"),),
    "GM1696": (
        (1231, 1231, "Loosdrecht"),
        (1241, 1241, "Kortenhoef"),
        (1243, 1243, "'s-Graveland"),
        (1244, 1244, "Ankeveen"),
        (1394, 1394, "Nederhorst den Berg"),
        (3632, 3632, "Loosdrecht"),
    ),
}

KWB_CSV = Path("cbs_kwb_2024_gemeente_wijk/kwb2024_gemeente_wijk_regions.csv")
PDOK_DIR = Path("pdok_cbs_gemeenten_wijken_2024")
PDOK_GEMEENTEN_CSV = PDOK_DIR / "gemeenten_2024_attributes.csv"
PDOK_WIJKEN_CSV = PDOK_DIR / "wijken_2024_attributes.csv"
# The regional subset first; the national file holds the same features, only more of them.
WIJK_GEOMETRY = (PDOK_DIR / "wijken_2024_regions.geojson", PDOK_DIR / "wijken_2024.geojson")

Ring = tuple[tuple[float, float], ...]  # (longitude, latitude) vertices, WGS84


@dataclass(frozen=True)
class GemeenteArea:
    code: str
    name: str
    region: str
    population: int | None


@dataclass(frozen=True)
class WijkArea:
    code: str
    name: str
    gemeente_code: str
    population: int | None
    latitude: float
    longitude: float
    ring: Ring = ()  # outer ring of the largest part; empty when only the point is known


@dataclass(frozen=True)
class Areas:
    gemeenten: tuple[GemeenteArea, ...]
    wijken: tuple[WijkArea, ...]


class AreaFilesMissing(Exception):
    """The open-data files for the real region are not there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} not found")


def region_of(gemeente_code: str) -> str:
    return next(r for r, codes in REGION_GEMEENTEN.items() if gemeente_code in codes)


def _int(cell: str | None) -> int | None:
    # PDOK writes counts as floats ("9755.0") and CBS secret values as empty cells.
    if cell is None or not cell.strip():
        return None
    return round(float(cell))


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def _read_kwb(path: Path) -> tuple[list[GemeenteArea], list[tuple[str, str, str, int | None]]]:
    wanted = {c for codes in REGION_GEMEENTEN.values() for c in codes}
    gemeenten: list[GemeenteArea] = []
    wijken: list[tuple[str, str, str, int | None]] = []
    for row in _rows(path):
        gm = row["gemeentecode"]
        if gm not in wanted:
            continue
        population = _int(row["AantalInwoners_5"])
        if row["soort_regio"] == "Gemeente":
            gemeenten.append(GemeenteArea(gm, row["regionaam"], region_of(gm), population))
        else:
            wijken.append((row["regiocode"], row["regionaam"], gm, population))
    return gemeenten, wijken


def _read_pdok(
    data_dir: Path,
) -> tuple[list[GemeenteArea], list[tuple[str, str, str, int | None]]]:
    wanted = {c for codes in REGION_GEMEENTEN.values() for c in codes}
    gemeenten = [
        GemeenteArea(r["gemeentecode"], r["gemeentenaam"], region_of(r["gemeentecode"]),
                     _int(r["aantal_inwoners"]))
        for r in _rows(data_dir / PDOK_GEMEENTEN_CSV)
        if r["gemeentecode"] in wanted
    ]
    # PDOK adds uninhabited "Groot water" pseudo-wijken (WKxxxx99, no figures) that CBS's
    # Kerncijfers leave out; dropping the rows without a population keeps both sources at 117.
    wijken = [
        (r["wijkcode"], r["wijknaam"], r["gemeentecode"], _int(r["aantal_inwoners"]))
        for r in _rows(data_dir / PDOK_WIJKEN_CSV)
        if r["gemeentecode"] in wanted and r["aantal_inwoners"].strip()
    ]
    return gemeenten, wijken


def _area(ring: Sequence[Sequence[float]]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in pairwise(ring))


def contains(ring: Ring, lon: float, lat: float) -> bool:
    """Ray casting: is the point inside the ring?"""
    inside = False
    for (x0, y0), (x1, y1) in pairwise(ring):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def interior_point(ring: Ring) -> tuple[float, float]:
    """The area centroid when it lies inside the ring, else the middle of the widest inside
    stretch of the horizontal line through it (a concave wijk can have its centroid outside)."""
    a = _area(ring)
    if abs(a) < 1e-12:
        n = len(ring)
        return sum(p[0] for p in ring) / n, sum(p[1] for p in ring) / n
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0)
             for (x0, y0), (x1, y1) in pairwise(ring)) / (6 * a)
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0)
             for (x0, y0), (x1, y1) in pairwise(ring)) / (6 * a)
    if contains(ring, cx, cy):
        return cx, cy
    crossings = sorted(
        x0 + (cy - y0) * (x1 - x0) / (y1 - y0)
        for (x0, y0), (x1, y1) in pairwise(ring)
        if (y0 > cy) != (y1 > cy)
    )
    if len(crossings) < 2:
        return cx, cy
    pairs = zip(crossings[::2], crossings[1::2], strict=False)
    left, right = max(pairs, key=lambda p: p[1] - p[0])
    return (left + right) / 2, cy


def _outer_ring(geometry: dict[str, Any]) -> Ring:
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    else:  # MultiPolygon: the largest part is where people live
        polygons = geometry["coordinates"]
    ring = max((p[0] for p in polygons), key=lambda r: abs(_area(r)))
    return tuple((float(x), float(y)) for x, y, *_ in ring)


def _read_rings(path: Path, codes: set[str]) -> dict[str, Ring]:
    with path.open(encoding="utf-8") as f:
        features = json.load(f)["features"]
    return {
        f["properties"]["wijkcode"]: _outer_ring(f["geometry"])
        for f in features
        if f["properties"].get("wijkcode") in codes and f.get("geometry")
    }


def load_areas(data_dir: Path) -> Areas:
    """The 12 gemeenten and their inhabited wijken; raises AreaFilesMissing when files lack."""
    if not data_dir.is_dir():
        raise AreaFilesMissing(data_dir)
    if (data_dir / KWB_CSV).is_file():
        gemeenten, wijk_rows = _read_kwb(data_dir / KWB_CSV)
    elif (data_dir / PDOK_WIJKEN_CSV).is_file() and (data_dir / PDOK_GEMEENTEN_CSV).is_file():
        gemeenten, wijk_rows = _read_pdok(data_dir)
    else:
        raise AreaFilesMissing(data_dir / KWB_CSV)
    geometry = next((data_dir / p for p in WIJK_GEOMETRY if (data_dir / p).is_file()), None)
    if geometry is None:
        raise AreaFilesMissing(data_dir / WIJK_GEOMETRY[0])
    rings = _read_rings(geometry, {code for code, *_ in wijk_rows})
    wijken: list[WijkArea] = []
    for code, name, gm, population in wijk_rows:
        ring = rings.get(code)
        if ring is None:
            # Invented locations need a point in every wijk, so a partial boundary file is no use.
            raise AreaFilesMissing(geometry)
        lon, lat = interior_point(ring)
        wijken.append(WijkArea(code, name, gm, population, round(lat, 5), round(lon, 5), ring))
    return Areas(
        gemeenten=tuple(sorted(gemeenten, key=lambda g: g.code)),
        wijken=tuple(sorted(wijken, key=lambda w: w.code)),
    )
