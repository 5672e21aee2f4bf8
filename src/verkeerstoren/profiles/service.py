"""Profiles of the region, a gemeente or a wijk: tables, comparisons, rankings and map specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from verkeerstoren.errors import NotFound, ValidationProblem
from verkeerstoren.profiles import charts, data
from verkeerstoren.profiles.indicators import (
    BY_KEY,
    DEFAULT_MAP,
    INDICATORS,
    SECTIONS,
    WIJK_LEVEL,
    Agg,
    Indicator,
)


def english(message: str, **values: Any) -> str:
    """The untranslated msgid with placeholders filled (the default translator)."""
    return message.format(**values) if values else message


CODES = sorted({i.code for i in INDICATORS} | {"population_1jan"})


@dataclass(frozen=True)
class Row:
    """One indicator of a profile table, for the area and what it is compared with."""

    indicator: Indicator
    area: float | None
    gemeente: float | None
    region: float | None
    nl: float | None
    previous: float | None
    previous_year: int | None
    year: int | None
    source: str
    # The year of the Netherlands figure: the area's own year when the Netherlands has a
    # figure for it, else the newest one, which the page then labels with its year.
    nl_year: int | None = None

    @property
    def nl_other_year(self) -> bool:
        """Whether the Netherlands figure is of another year than the area's."""
        return self.nl is not None and self.year is not None and self.nl_year != self.year

    @property
    def change(self) -> float | None:
        if self.area is None or self.previous is None:
            return None
        return self.area - self.previous


@dataclass
class Profile:
    """A gemeente's or wijk's profile."""

    code: str
    name: str
    level: str
    gemeente_code: str
    gemeente_name: str
    region_name: str
    sections: list[tuple[str, list[Row]]]
    charts: dict[str, charts.Spec] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranked:
    """A wijk (or gemeente) and its value for the ranked indicator."""

    rank: int
    code: str
    name: str
    gemeente: str
    value: float | None


@dataclass
class Overview:
    """The region page: gemeente table, ranking on one indicator and the map."""

    scope: data.Scope
    indicator: Indicator
    level: str
    gemeente_rows: list[dict[str, Any]]
    table_indicators: list[Indicator]
    ranking: list[Ranked]
    region_value: float | None
    source: str
    map_spec: charts.Spec


def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("subgroup") == "").then(pl.col("indicator"))
        .otherwise(pl.col("indicator") + "@" + pl.col("subgroup")).alias("key"))


def _lookup(frame: pl.DataFrame) -> dict[tuple[str, str], tuple[float | None, int, str]]:
    return {(r["area_code"], r["key"]): (r["value"], r["year"], r["dataset"])
            for r in _keyed(frame).iter_rows(named=True)}


def aggregate(now: pl.DataFrame, gemeenten: list[str]) -> dict[str, float | None]:
    """Region figures from its gemeenten: counts summed, shares weighted by the population
    they are shares of (65+ figures by the number of people aged 65 and over)."""
    if not gemeenten or now.is_empty():
        return {}
    part = now.filter(pl.col("area_code").is_in(gemeenten))
    pop = part.filter((pl.col("indicator") == "population") & (pl.col("subgroup") == "")) \
        .select("area_code", pl.col("value").alias("pop"))
    p65 = part.filter(pl.col("indicator") == "pct_age_65plus") \
        .select("area_code", pl.col("value").alias("p65"))
    weighted = _keyed(part).join(pop, on="area_code", how="left") \
        .join(p65, on="area_code", how="left").with_columns(
            pl.when(pl.col("subgroup") == "65+").then(pl.col("pop") * pl.col("p65") / 100)
            .otherwise(pl.col("pop")).alias("w"))
    valid = pl.col("value").is_not_null() & pl.col("w").is_not_null()
    sums = weighted.group_by("key").agg(
        pl.col("value").sum().alias("sum"),
        ((pl.col("value") * pl.col("w")).filter(valid).sum()
         / pl.col("w").filter(valid).sum()).alias("mean"),
        pl.col("value").is_null().any().alias("gap"))
    result: dict[str, float | None] = {}
    for row in sums.iter_rows(named=True):
        ind = BY_KEY.get(row["key"])
        if ind is None or ind.agg is Agg.NONE:
            continue
        if ind.agg is Agg.SUM:
            result[row["key"]] = None if row["gap"] else row["sum"]
        else:
            result[row["key"]] = row["mean"]
    return result


def _region_of(session: Session, gemeente_code: str) -> data.Scope:
    from verkeerstoren.registry.models import Gemeente

    gemeente = session.get(Gemeente, gemeente_code)
    if gemeente is None:
        raise NotFound("gemeente", gemeente_code)
    return data.scope(session, gemeente.region_id)


def area_profile(session: Session, code: str) -> Profile:
    """A gemeente's or wijk's figures next to its gemeente, region and the Netherlands."""
    code = code.upper()
    gemeente_code = "GM" + code[2:6] if code[:2] in ("GM", "WK") else ""
    if not gemeente_code:
        raise NotFound("area", code)
    region = _region_of(session, gemeente_code)
    if code not in region.gemeenten and code not in region.wijken:
        raise NotFound("area", code)
    codes = list({code, gemeente_code, data.NL, *region.gemeenten})
    frame = data.values(session, codes, CODES)
    now = data.current(frame)
    before = data.previous(frame, now)
    look, prev = _lookup(now), _lookup(before)
    nl_by_year = {(r["key"], r["year"]): r["value"] for r in _keyed(
        frame.filter(pl.col("area_code") == data.NL)).sort("priority", descending=True)
        .iter_rows(named=True)}
    region_values = aggregate(now, list(region.gemeenten))
    sources = data.captions(session)
    sections: list[tuple[str, list[Row]]] = []
    for section in SECTIONS:
        rows = []
        for ind in INDICATORS:
            if ind.section != section:
                continue
            own = look.get((code, ind.key))
            in_gemeente = look.get((gemeente_code, ind.key))
            # Gemeente-only figures (costs, distances) still show on a wijk page, with the
            # wijk's own cell empty, so the wijk is read against its gemeente.
            if own is None and in_gemeente is None:
                continue
            old = prev.get((code, ind.key))
            year = (own or in_gemeente or (None, None))[1]
            nl_now = look.get((data.NL, ind.key))
            if (ind.key, year) in nl_by_year:
                nl, nl_year = nl_by_year[(ind.key, year)], year
            else:
                nl, nl_year = (nl_now[0], nl_now[1]) if nl_now else (None, None)
            rows.append(Row(
                ind, own[0] if own else None,
                in_gemeente[0] if in_gemeente and code != gemeente_code else None,
                region_values.get(ind.key), nl,
                old[0] if old else None, old[1] if old else None, own[1] if own else None,
                sources.get((own or in_gemeente or (None, 0, ""))[2], ""), nl_year))
        if any(r.area is not None or r.gemeente is not None for r in rows):
            sections.append((section, rows))
    name = region.wijken[code][0] if code in region.wijken else region.gemeenten[code]
    return Profile(code, name, code[:2], gemeente_code, region.gemeenten[gemeente_code],
                   region.name, sections)


def _ranked(now: pl.DataFrame, ind: Indicator, names: dict[str, tuple[str, str]]
            ) -> list[Ranked]:
    keyed = _keyed(now).filter((pl.col("key") == ind.key)
                               & pl.col("area_code").is_in(list(names)))
    ordered = keyed.sort("value", descending=True, nulls_last=True)
    return [Ranked(i + 1, r["area_code"], names[r["area_code"]][0], names[r["area_code"]][1],
                   r["value"]) for i, r in enumerate(ordered.iter_rows(named=True))]


TABLE_KEYS = ("population", "pct_age_65plus", "household_size", "good_health@18+",
              "lonely@65+", "difficulty_making_ends_meet@18+", "cost_per_insured_year", "scr",
              "distance_hospital_km")


def region_overview(session: Session, region_id: int | None, indicator_key: str | None,
                    translate: Any = english) -> Overview:
    """The region's gemeenten in a table, its wijken ranked and mapped on one indicator."""
    key = indicator_key or DEFAULT_MAP
    if key not in BY_KEY:
        raise ValidationProblem("indicator", f"unknown indicator {key!r}")
    ind = BY_KEY[key]
    scope = data.scope(session, region_id)
    if region_id is not None and not scope.gemeenten:
        raise NotFound("region", region_id)
    level = "WK" if ind in WIJK_LEVEL else "GM"
    needed = {BY_KEY[k].code for k in TABLE_KEYS} | {ind.code, "population", "pct_age_65plus"}
    frame = data.values(session, [*scope.codes, data.NL], needed)
    now = data.current(frame)
    look = _lookup(now)
    gm_names = {c: (n, n) for c, n in scope.gemeenten.items()}
    wk_names = {c: (n, scope.gemeenten.get(g, g)) for c, (n, g) in scope.wijken.items()}
    ranking = _ranked(now, ind, wk_names if level == "WK" else gm_names)
    table_inds = [BY_KEY[k] for k in TABLE_KEYS]
    rows = [{"code": c, "name": n, **{k: (look.get((c, k)) or (None,))[0] for k in TABLE_KEYS}}
            for c, n in scope.gemeenten.items()]
    region_values = aggregate(now, list(scope.gemeenten))
    sources = data.captions(session)
    datasets = {look[(r.code, key)][2] for r in ranking if (r.code, key) in look}
    source = "; ".join(sorted(sources.get(d, d) for d in datasets))
    value_of = {r.code: r.value for r in ranking}
    features = data.shapes(session, level, list(scope.gemeenten))
    for f in features:
        f["properties"]["value"] = value_of.get(f["id"])
        f["properties"]["gemeente_name"] = scope.gemeenten.get(f["properties"]["gemeente"], "")
    # Water and 'Buitenland' pseudo-wijken have a boundary but no figures: leave them grey.
    outlines = data.shapes(session, "GM", list(scope.gemeenten)) if level == "WK" else []
    label = translate(ind.label) + (f" ({ind.subgroup})" if ind.subgroup else "")
    spec = charts.choropleth(features, outlines, title=label, legend=translate(ind.unit),
                             source=f"{translate('Source')}: {source}" if source else "",
                             scheme=ind.map_scheme, no_data=translate("no data"))
    return Overview(scope, ind, level, rows, table_inds, ranking, region_values.get(key),
                    source, spec)


def _bars(rows: list[Row], profile: Profile, translate: Any) -> list[dict[str, Any]]:
    names = [(profile.name, "area")]
    if profile.level == "WK":
        names.append((profile.gemeente_name, "gemeente"))
    names += [(profile.region_name or translate("Region"), "region"), ("Nederland", "nl")]
    out = []
    for row in rows:
        for area_name, attr in names:
            value = getattr(row, attr)
            if value is not None:
                out.append({"label": translate(row.indicator.label), "area": area_name,
                            "value": round(value, 1)})
    return out


def add_charts(session: Session, profile: Profile, translate: Any = english) -> None:
    """Age structure, health comparison and population trend charts for a profile."""
    by_section = dict(profile.sections)
    source = translate("Source")
    population = [r for r in by_section.get("Population", [])
                  if r.indicator.code.startswith("pct_age")]
    if population:
        profile.charts["age"] = charts.compare_bars(
            _bars(population, profile, translate), title=translate("Age structure"),
            source=f"{source}: {population[0].source}", unit="%")
    for section, name in (("Health, adults (18+)", "health18"),
                          ("Health, elderly (65+)", "health65")):
        rows = [r for r in by_section.get(section, []) if r.area is not None][:6]
        if rows:
            profile.charts[name] = charts.compare_bars(
                _bars(rows, profile, translate), title=translate(section),
                source=f"{source}: {rows[0].source}", unit="%")
    frame = data.values(session, [profile.gemeente_code], ["population_1jan"])
    if not frame.is_empty():
        points = [{"year": y, "value": v} for y, v in
                  frame.sort("year").select("year", "value").iter_rows()]
        caption = data.captions(session).get("cbs_population_dynamics", "")
        profile.charts["trend"] = charts.trend(
            points, title=translate("Population of {name} on 1 January",
                                    name=profile.gemeente_name),
            source=f"{source}: {caption}", y_title=translate("Inhabitants"))
