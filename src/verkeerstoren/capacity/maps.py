"""Vega-Lite map of the board: wijk boundaries from the open data, locations as points."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from verkeerstoren.capacity.schemas import Board

BOUNDARIES = ("pdok_cbs_gemeenten_wijken_2024", "wijken_2024_regions.geojson")


@cache
def wijk_shapes(data_dir: Path) -> dict[str, Any] | None:
    """The wijk boundaries of the demo regions (GeoJSON), or None when the data is absent."""
    path = data_dir.joinpath(*BOUNDARIES)
    if not path.is_file():
        return None
    shapes: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return shapes


def board_map(board: Board, data_dir: Path, title: str) -> dict[str, Any] | None:
    """A Vega-Lite spec: wijken as a grey base map and every location sized by free beds."""
    shapes = wijk_shapes(data_dir)
    if shapes is None:
        return None
    points: dict[tuple[float, float], dict[str, Any]] = {}
    for row in board.rows:
        if row.latitude is None or row.longitude is None:
            continue
        point = points.setdefault((row.longitude, row.latitude), {
            "lon": row.longitude, "lat": row.latitude, "locatie": row.location,
            "organisatie": row.organisation, "vrij": 0, "vers": True,
        })
        point["vrij"] += max(row.available, 0) if not row.stale else 0
        point["vers"] = point["vers"] and not row.stale
    shown = {row.gemeente_code for row in board.rows}
    features = [f for f in shapes["features"] if f["properties"].get("gemeentecode") in shown]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": title,
        "width": "container",
        "height": 420,
        "projection": {"type": "mercator"},
        "layer": [
            {
                "data": {"values": features},
                "mark": {"type": "geoshape", "fill": "#e8edf3", "stroke": "#9aa8b8",
                         "strokeWidth": 0.5},
                "encoding": {"tooltip": [{"field": "properties.wijknaam", "title": "Wijk"}]},
            },
            {
                "data": {"values": list(points.values())},
                "mark": {"type": "circle", "opacity": 0.85, "stroke": "#fff"},
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "size": {"field": "vrij", "type": "quantitative", "title": "Vrije bedden",
                             "scale": {"range": [30, 600]}},
                    "color": {
                        "condition": {"test": "datum.vrij > 0", "value": "#1e7d32"},
                        "value": "#b3261e",
                    },
                    "tooltip": [
                        {"field": "locatie", "title": "Locatie"},
                        {"field": "organisatie", "title": "Organisatie"},
                        {"field": "vrij", "title": "Vrije bedden (actueel)"},
                    ],
                },
            },
        ],
    }
