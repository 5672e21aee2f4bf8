"""Fetching loaded figures and areas into Polars frames (the analytics engine of profiles)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.opendata.catalogue import PROVENANCE
from verkeerstoren.opendata.models import AreaShape, AreaValue, DataSet
from verkeerstoren.registry.models import Gemeente, Region, Wijk

NL = "NL01"
# When two data sets give the same figure for the same year, the first one here wins.
PRIORITY = ("cbs_kwb", "pdok_wijken", "pdok_gemeenten", "cbs_population_dynamics",
            "cbs_kerncijfers", "rivm_health_18plus", "rivm_health_65plus", "vektis_benchmark",
            "vektis_categories", "vektis_zvw")
VALUE_SCHEMA = {"area_code": pl.String, "indicator": pl.String, "subgroup": pl.String,
                "year": pl.Int32, "value": pl.Float64, "dataset": pl.String}


@dataclass(frozen=True)
class Scope:
    """The areas of one region (or of all registered regions)."""

    region_id: int | None
    name: str
    gemeenten: dict[str, str]  # code → name
    wijken: dict[str, tuple[str, str]]  # code → (name, gemeente code)

    @property
    def codes(self) -> list[str]:
        return [*self.gemeenten, *self.wijken]


def regions(session: Session) -> list[Region]:
    """The registered care regions."""
    return list(session.scalars(select(Region).order_by(Region.name)))


def scope(session: Session, region_id: int | None = None) -> Scope:
    """The gemeenten and wijken of a region from the registry (all regions when None)."""
    query = select(Gemeente).where(Gemeente.region_id.is_not(None))
    if region_id is not None:
        query = query.where(Gemeente.region_id == region_id)
    gemeenten = {g.code: g.name for g in session.scalars(query.order_by(Gemeente.name))}
    wijken = {w.code: (w.name, w.gemeente_code) for w in session.scalars(
        select(Wijk).where(Wijk.gemeente_code.in_(list(gemeenten))).order_by(Wijk.code))}
    region = session.get(Region, region_id) if region_id is not None else None
    return Scope(region_id, region.name if region else "", gemeenten, wijken)


def values(session: Session, codes: Iterable[str], indicators: Iterable[str]) -> pl.DataFrame:
    """All loaded figures of these areas and indicators (every year) with their data set."""
    query = (select(AreaValue.area_code, AreaValue.indicator, AreaValue.subgroup, AreaValue.year,
                    AreaValue.value, DataSet.key)
             .join(DataSet, DataSet.id == AreaValue.dataset_id)
             .where(AreaValue.area_code.in_(list(codes)),
                    AreaValue.indicator.in_(list(set(indicators)))))
    # Core execution: the rows are plain tuples, no ORM identity work for 10⁴ rows.
    rows = session.connection().execute(query).all()
    frame = pl.DataFrame(rows, schema=VALUE_SCHEMA, orient="row")
    rank = {k: i for i, k in enumerate(PRIORITY)}
    return frame.with_columns(
        pl.col("dataset").replace_strict(rank, default=len(rank)).alias("priority"))


def current(frame: pl.DataFrame) -> pl.DataFrame:
    """The newest figure per area, indicator and subgroup (ties: the preferred data set)."""
    return (frame.sort(["year", "priority"], descending=[True, False])
            .unique(["area_code", "indicator", "subgroup"], keep="first", maintain_order=True))


def previous(frame: pl.DataFrame, now: pl.DataFrame) -> pl.DataFrame:
    """The newest earlier figure from the same data-set family, for 'change since' columns."""
    joined = frame.join(now.select("area_code", "indicator", "subgroup",
                                   pl.col("year").alias("now_year"),
                                   pl.col("dataset").alias("now_dataset")),
                        on=["area_code", "indicator", "subgroup"])
    earlier = joined.filter((pl.col("year") < pl.col("now_year"))
                            & (pl.col("dataset") == pl.col("now_dataset")))
    return current(earlier.drop("now_year", "now_dataset"))


def captions(session: Session) -> dict[str, str]:
    """Data-set key → 'publisher, title (table), years' for the figures' source lines."""
    years: dict[str, list[int]] = {}
    for key, year in session.execute(select(DataSet.key, DataSet.year)):
        years.setdefault(key, []).append(year)
    result = {}
    for key, ys in years.items():
        prov = PROVENANCE.get(key)
        if prov is None:
            continue
        span = ", ".join(str(y) for y in sorted(ys))
        result[key] = f"{prov.publisher}, {prov.title} ({prov.table_id}), {span}"
    return result


def shapes(session: Session, level: str, gemeenten: Sequence[str]) -> list[dict[str, Any]]:
    """GeoJSON features (newest boundaries) of the gemeenten or their wijken."""
    key = "pdok_wijken" if level == "WK" else "pdok_gemeenten"
    found = session.execute(select(DataSet.id, DataSet.loaded_at).where(DataSet.key == key)
                            .order_by(DataSet.year.desc()).limit(1)).first()
    if found is None:
        return []
    cached = _geometries(session, found[0], found[1].isoformat(), level)
    # Fresh feature dicts (callers add properties); the parsed geometry objects are shared.
    return [{"type": "Feature", "id": code,
             "properties": {"code": code, "name": name, "gemeente": gm},
             "geometry": geometry}
            for code, name, gm, geometry in cached if (gm if level == "WK" else code)
            in gemeenten]


_GEOMETRY_CACHE: dict[tuple[int, str, str], list[tuple[str, str, str | None, Any]]] = {}


def _geometries(session: Session, dataset_id: int, loaded_at: str, level: str
                ) -> list[tuple[str, str, str | None, Any]]:
    """Parsed boundaries of one loaded data set, kept in memory: parsing them again on every
    map request costs more than the rest of the page. Keyed on the load's id and time, so a
    reload is never served stale."""
    key = (dataset_id, loaded_at, level)
    if key not in _GEOMETRY_CACHE:
        rows = session.execute(
            select(AreaShape.code, AreaShape.name, AreaShape.gemeente_code, AreaShape.geometry)
            .where(AreaShape.dataset_id == dataset_id, AreaShape.geometry.is_not(None))
            .order_by(AreaShape.code)).all()
        if len(_GEOMETRY_CACHE) > 8:
            _GEOMETRY_CACHE.clear()
        _GEOMETRY_CACHE[key] = [(c, n, g, json.loads(geo or "null")) for c, n, g, geo in rows]
    return _GEOMETRY_CACHE[key]
