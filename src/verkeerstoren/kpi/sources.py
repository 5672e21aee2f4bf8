"""Indicators bound to a source: their measurements come from there, never from a keyboard.

A source kind is one entry of ``KINDS``: a label and a resolver that reads the bound figure
(every year the source has) with its provenance. Adding a kind — e.g. "forecast", reading the
foresight capability's ``forecast_value(session, area_code, measure_key, year)`` — is one
resolver and one entry here; binding, refreshing and refusing manual values follow from it.

The operational computations (time to placement, admission guarantee, unplaced, wrong-bed
days, stale reports, occupancy) are the kind "operational": they are computed per quarter and
per area by ``computing.recompute`` (``computed.py``), which this module only names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.kpi.models import AreaKind, Indicator, Measurement, MeasurementSource
from verkeerstoren.kpi.periods import parse_period
from verkeerstoren.opendata.catalogue import PROVENANCE
from verkeerstoren.opendata.models import AreaValue, DataSet


@dataclass(frozen=True)
class Sourced:
    """One figure read from a source: its own year, value and where it came from."""

    year: int
    value: float
    provenance: str
    details: dict[str, object] = field(default_factory=dict)


Resolver = Callable[[Session, Mapping[str, str]], list[Sourced]]


@dataclass(frozen=True)
class SourceKind:
    """A kind of source: what it is called on the pages (English msgid) and its resolver."""

    label: str
    resolve: Resolver | None  # None: computed per period elsewhere (operational)
    params: tuple[str, ...] = ()
    # A forecast's years lie ahead; every other source's future periods are refused.
    future: bool = False


def opendata(session: Session, params: Mapping[str, str]) -> list[Sourced]:
    """A loaded open-data figure: data set key(s) (comma-separated, e.g. Vektis 2015 and the
    2023 benchmark), variable, area code and age group (subgroup, '' for none)."""
    keys = [k.strip() for k in params["dataset"].split(",") if k.strip()]
    rows = session.execute(
        select(DataSet.key, DataSet.year, DataSet.source_file, AreaValue.year, AreaValue.value)
        .join(DataSet, DataSet.id == AreaValue.dataset_id)
        .where(DataSet.key.in_(keys), AreaValue.area_code == params["area"],
               AreaValue.indicator == params["variable"],
               AreaValue.subgroup == params.get("subgroup", ""))
        .order_by(AreaValue.year, DataSet.key)).all()
    found: dict[int, Sourced] = {}
    for key, _set_year, source_file, year, value in rows:
        if value is None or year in found:
            continue
        prov = PROVENANCE.get(key)
        caption = prov.caption(year) if prov else key
        found[year] = Sourced(year, float(value), f"{caption}; {source_file}",
                              {"dataset": key, "variable": params["variable"],
                               "area": params["area"], "subgroup": params.get("subgroup", ""),
                               "source_year": year})
    return list(found.values())


def waiting_times(session: Session, params: Mapping[str, str]) -> list[Sourced]:
    """Share (%) of providers of a sector in an area within the Treeknorm, per NZa collection
    (the NZa rule of ``waiting_times.norms``: both waits known and within, aanmeldstop not)."""
    from verkeerstoren.waiting_times import norms, region, service

    rules = norms.load(session)
    gemeenten = [c.strip() for c in params["area"].split(",") if c.strip()]
    result = []
    for year in session.scalars(select(DataSet.year).where(DataSet.key == "nza_ggz")
                                .order_by(DataSet.year)):
        waits = service.published_waits(session, rules, gemeenten, year=year)
        share = next((s for s in region.shares(session, gemeenten, waits=waits)
                      if s.sector == params["sector"]), None)
        if share is None or share.share_within is None:
            continue
        prov = PROVENANCE["nza_ggz"].caption(year)
        result.append(Sourced(year, round(share.share_within, 1),
                              f"{prov}; {share.providers_within} van {share.providers} "
                              "aanbieders binnen de Treeknorm",
                              {"dataset": "nza_ggz", "sector": params["sector"],
                               "area": params["area"], "providers": share.providers,
                               "providers_within": share.providers_within,
                               "source_year": year}))
    return result


def forecast(session: Session, params: Mapping[str, str]) -> list[Sourced]:
    """A foresight figure (issue 16): measure, area (GMxxxx or RG<id>), years (comma-separated,
    2024–2040) and scenario ('' for the reference, "beleidsarm"). It gives the programme's
    "less than forecast" goals a series to be compared with (a reference-series rule)."""
    from verkeerstoren.foresight import measures

    scenario = params.get("scenario") or None
    found = []
    for year in sorted({int(y) for y in params.get("years", "2030").split(",") if y.strip()}):
        try:
            value = measures.forecast_value(session, params["area"], params["measure"], year,
                                            scenario)
        except (ValidationProblem, OSError):
            # No open data loaded (no age structure to project) or its files absent (a demo
            # built without ../shared/data): no forecast, as an open-data binding without its
            # data set has no figures; the status then says "no data".
            return []
        if value != value:  # NaN: no one aged 85+, nothing to compare with
            continue
        found.append(Sourced(year, round(value, 2),
                             f"Prognose Verkeerstoren ({params['measure']}, "
                             f"{scenario or 'beleidsarm'}); zie /foresight",
                             {"measure": params["measure"], "area": params["area"],
                              "scenario": scenario or "reference", "source_year": year}))
    return found


# Sources published once every few years: a trend rule reads their last two measurements.
SPARSE_KINDS = frozenset({"opendata", "waiting_times"})

KINDS: dict[str, SourceKind] = {
    "opendata": SourceKind("Open data", opendata, ("dataset", "variable", "area", "subgroup")),
    "waiting_times": SourceKind("Waiting times (NZa)", waiting_times, ("sector", "area")),
    "operational": SourceKind("Computed from the tower's operational data", None, ("key",)),
    "forecast": SourceKind("Forecast (foresight)", forecast,
                           ("measure", "area", "years", "scenario"), future=True),
}


def is_bound(indicator: Indicator) -> bool:
    """Whether the indicator's measurements come from a source (or a computation)."""
    return indicator.source_kind is not None or indicator.computed_key is not None


def describe(indicator: Indicator) -> str:
    """The binding in a few words: kind and parameters (shown on the page and in the report)."""
    if indicator.source_kind is None:
        return f"operational: {indicator.computed_key}" if indicator.computed_key else ""
    params = indicator.source_params or {}
    parts = ", ".join(f"{k}={v}" for k, v in params.items() if v)
    return f"{indicator.source_kind}: {parts}"


def refresh(session: Session, actor: Actor, *, today: date | None = None) -> int:
    """Read every bound indicator's figures from its source into yearly measurements of the
    bound area and of the region (area ""), replacing what was there; returns the count."""
    count = 0
    for indicator in session.scalars(select(Indicator).where(
            Indicator.source_kind.is_not(None)).order_by(Indicator.code)):
        kind = KINDS.get(indicator.source_kind or "")
        if kind is None or kind.resolve is None:
            continue
        params = indicator.source_params or {}
        figures = kind.resolve(session, params)
        stored = {m.period: m for m in session.scalars(select(Measurement).where(
            Measurement.indicator_id == indicator.id, Measurement.area_code == ""))}
        for figure in figures:
            period = parse_period(str(figure.year))
            if today is not None and period.start > today and not kind.future:
                continue
            row = stored.pop(period.label, None) or Measurement(
                indicator_id=indicator.id, period=period.label, area_code="")
            # The programme's series (area "") is the bound area's figure; which area that is
            # stays in the details and the note, so nobody reads it as the region's sum.
            row.area_kind = AreaKind.REGION
            row.period_start, row.period_end = period.start, period.end
            row.value, row.narrative = figure.value, None
            row.source, row.recorded_by = MeasurementSource.SOURCE, actor.label
            row.note = figure.provenance[:1000]
            row.details = dict(figure.details)
            row.source_rows = None
            row.is_demo = False
            session.add(row)
            count += 1
        # Values typed in before the binding (or invented) disagree with the source: gone.
        for old in stored.values():
            session.delete(old)
    session.flush()
    return count
