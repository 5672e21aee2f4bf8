"""CBS/PDOK wijk- en buurtkaart: gemeente and wijk boundaries (GeoJSON) with key figures."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from verkeerstoren.opendata.reading import Parsed, long_values, refuse, require_rows

# property → indicator; the same for gemeenten and wijken.
PROPERTIES = {
    "aantal_inwoners": "population",
    "0_15": "pct_age_0_15",
    "15_25": "pct_age_15_25",
    "25_45": "pct_age_25_45",
    "45_65": "pct_age_45_65",
    "65plus": "pct_age_65plus",
    "huishoudens": "households",
    "gem_huishouden_grootte": "household_size",
    "bevolkingsdichtheid": "density",
}
GEMEENTE_EXTRA = {"pct_eenpersoonshhd": "pct_one_person_households",
                  "stedelijkheid": "urbanity"}
LAYERS = {"gemeenten": ("GM", "gemeentecode", "gemeentenaam"),
          "wijken": ("WK", "wijkcode", "wijknaam")}
FEATURES = {("gemeenten", 2024): 343, ("wijken", 2024): 3475}
SENTINEL = -99990  # PDOK writes secret/unknown as −99995, −99997…; the mirror already nulls them


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number <= SENTINEL else number


def parse_boundaries(path: Path, raw: bytes, year: int | None,
                     names: Mapping[str, str]) -> Parsed:
    """A FeatureCollection of the 'gemeenten' or 'wijken' layer with its metadata block."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise refuse(path, f"not valid GeoJSON ({exc.__class__.__name__}: "
                           f"{str(exc)[:120]}) — truncated?") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise refuse(path, "not a GeoJSON FeatureCollection")
    meta = doc.get("metadata") or {}
    layer = meta.get("type")
    if layer not in LAYERS:
        raise refuse(path, f"metadata.type is {layer!r}, expected 'gemeenten' or 'wijken'")
    file_year = meta.get("year")
    if year is not None and file_year is not None and int(file_year) != year:
        raise refuse(path, f"metadata.year is {file_year}, not the requested year {year}")
    the_year = int(file_year or year or 0)
    if not the_year:
        raise refuse(path, "no year in metadata; give the year explicitly")
    features = doc.get("features") or []
    subset = bool(meta.get("subset"))
    require_rows(path, "features", len(features),
                 expected=None if subset else FEATURES.get((layer, the_year)),
                 minimum=1 if subset else 300)
    level, code_key, name_key = LAYERS[layer]
    wanted = dict(PROPERTIES, **(GEMEENTE_EXTRA if layer == "gemeenten" else {}))
    # Pseudo-areas (Buitenland) carry fewer properties: check the union over all features.
    present = {k for f in features for k in (f.get("properties") or {})}
    missing = [p for p in (code_key, name_key, "gemeentecode", *wanted) if p not in present]
    if missing:
        raise refuse(path, f"missing propert(y/ies) {', '.join(missing)}")
    rows: list[dict[str, Any]] = []
    areas: list[tuple[str, str, str, str, str | None]] = []
    for i, feature in enumerate(features):
        props = feature.get("properties") or {}
        code = str(props.get(code_key) or "")
        if not code.startswith(level) or len(code) != (6 if level == "GM" else 8):
            raise refuse(path, f"feature {i}: {code_key} {code!r} is not a CBS {level} code")
        geometry = feature.get("geometry")
        if geometry is not None and geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise refuse(path, f"feature {i} ({code}): geometry {geometry.get('type')!r}")
        areas.append((code, level, str(props.get(name_key) or code), str(props["gemeentecode"]),
                      json.dumps(geometry, separators=(",", ":")) if geometry else None))
        rows.append({"code": code, **{ind: _number(props.get(p)) for p, ind in wanted.items()}})
    wide = pl.DataFrame(rows, schema={"code": pl.String, **dict.fromkeys(wanted.values(),
                                                                         pl.Float64)})
    values = long_values(wide, "code", {ind: ind for ind in wanted.values()}, year=the_year)
    area_frame = pl.DataFrame(areas, schema={"code": pl.String, "level": pl.String,
                                             "name": pl.String, "gemeente_code": pl.String,
                                             "geometry": pl.String}, orient="row")
    notes = [f"{layer}: geometry simplified by the mirror (fine for maps, not for borders)",
             "age groups are percentages of inhabitants"]
    return Parsed(f"pdok_{layer}", the_year, path.name, hashlib.sha256(raw).hexdigest(),
                  len(features), values=values, areas=area_frame, notes=notes)
