"""Vega-Lite specs (built with Altair) for profile maps and charts, and their PNG/SVG export."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, cast

import altair as alt

Spec = dict[str, Any]
FONT = "sans-serif"


def _title(text: str, source: str) -> alt.TitleParams:
    # The source line is part of the spec, so an exported PNG/SVG carries it too.
    return alt.TitleParams(text=text, subtitle=source, anchor="start", fontSize=14,
                           subtitleFontSize=10, subtitleColor="#555", orient="top")


def choropleth(features: list[dict[str, Any]], outlines: list[dict[str, Any]], *, title: str,
               legend: str, source: str, scheme: str, no_data: str) -> Spec:
    """Areas coloured by ``properties.value`` over the real boundaries, gemeente outlines on top.

    Without a single value (no open data loaded, or none for this indicator in these areas) the
    areas stay grey and the map says ``no_data``: a colour scale over no values has no domain,
    and Vega draws that legend as one "NaN" label."""
    if any(_is_number(f["properties"].get("value")) for f in features):
        skeleton = _map_skeleton(title, legend, source, scheme, bool(outlines))
    else:
        skeleton = _empty_map_skeleton(title, source, no_data, bool(outlines))
    spec: Spec = json.loads(skeleton)
    # Added to, not replaced: Altair moves inline data (the no-data text's row) there too.
    spec.setdefault("datasets", {}).update(areas=features, outlines=outlines)
    spec["usermeta"] = {"no_data": no_data}
    return spec


@lru_cache(maxsize=256)
def _map_skeleton(title: str, legend: str, source: str, scheme: str, with_outlines: bool) -> str:
    """The map's spec without data, built once per title/legend/source/scheme: Altair's schema
    checks cost ~100 ms a chart, too much for every page view."""
    # Named data sets filled in after to_dict: Altair walks inline data value by value, which
    # costs ~1 s for a region's boundaries; a named reference costs nothing.
    base = alt.Chart(alt.NamedData(name="areas")).mark_geoshape(stroke="#fff", strokeWidth=0.4,
                                                                 aria=False)
    filled = base.encode(
        color=alt.condition("isValid(datum.properties.value)",
                            alt.Color("properties.value:Q", title=legend,
                                      scale=alt.Scale(scheme=cast(Any, scheme)),
                                      legend=alt.Legend(orient="right")),
                            alt.value("#ddd")),
        tooltip=[alt.Tooltip("properties.name:N", title=legend and "naam"),
                 alt.Tooltip("properties.gemeente_name:N", title="gemeente"),
                 alt.Tooltip("properties.value:Q", title=legend, format=",.1f")],
    )
    layers: list[alt.Chart] = [filled]
    if with_outlines:
        layers.append(alt.Chart(alt.NamedData(name="outlines")).mark_geoshape(
            fill=None, stroke="#333", strokeWidth=1.0, aria=False))
    # One image to assistive technology, named by its title (the areas are aria=False); the
    # gemeente table on the same page gives the figures as text.
    chart = alt.layer(*layers).project(type="mercator").properties(
        width=620, height=560, title=_title(title, source), description=title)
    return json.dumps(chart.to_dict(validate=False))


def _is_number(value: Any) -> bool:
    # NaN counts as missing, as Vega's isValid() does.
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


@lru_cache(maxsize=64)
def _empty_map_skeleton(title: str, source: str, no_data: str, with_outlines: bool) -> str:
    """The map without values: grey areas (still named in the tooltip), no colour legend, and
    the no-data text in the middle."""
    areas = alt.Chart(alt.NamedData(name="areas")).mark_geoshape(
        fill="#ddd", stroke="#fff", strokeWidth=0.4, aria=False).encode(
        tooltip=[alt.Tooltip("properties.name:N", title="naam"),
                 alt.Tooltip("properties.gemeente_name:N", title="gemeente")])
    message = alt.Chart(alt.InlineData(values=[{}])).mark_text(
        text=no_data, fontSize=16, color="#555", font=FONT).encode(
        x=alt.value(310), y=alt.value(280))
    layers: list[alt.Chart] = [areas]
    if with_outlines:
        layers.append(alt.Chart(alt.NamedData(name="outlines")).mark_geoshape(
            fill=None, stroke="#333", strokeWidth=1.0, aria=False))
    layers.append(message)
    # One image to assistive technology, named by its title (the areas are aria=False); the
    # gemeente table on the same page gives the figures as text.
    chart = alt.layer(*layers).project(type="mercator").properties(
        width=620, height=560, title=_title(title, source), description=title)
    return json.dumps(chart.to_dict(validate=False))


def _finish(skeleton: str, rows: list[dict[str, Any]], title: str, source: str) -> Spec:
    spec: Spec = json.loads(skeleton)
    spec["title"] = {"text": title, "subtitle": source, "anchor": "start", "fontSize": 14,
                     "subtitleFontSize": 10, "subtitleColor": "#555"}
    spec["datasets"] = {"rows": rows}
    return spec


def compare_bars(rows: list[dict[str, Any]], *, title: str, source: str, unit: str) -> Spec:
    """Grouped horizontal bars: one group per indicator, one bar per area compared."""
    return _finish(_bars_skeleton(unit), rows, title, source)


@lru_cache(maxsize=32)
def _bars_skeleton(unit: str) -> str:
    chart = alt.Chart(alt.NamedData(name="rows")).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort=None),
        yOffset=alt.YOffset("area:N", sort=None),
        x=alt.X("value:Q", title=unit),
        color=alt.Color("area:N", title=None, sort=None,
                        scale=alt.Scale(scheme="tableau10"), legend=alt.Legend(orient="bottom")),
        tooltip=["area:N", "label:N", alt.Tooltip("value:Q", format=",.1f")],
    ).properties(width=440)
    return json.dumps(chart.to_dict(validate=False))


def trend(rows: list[dict[str, Any]], *, title: str, source: str, y_title: str) -> Spec:
    """A line over the years (e.g. population on 1 January)."""
    return _finish(_trend_skeleton(y_title), rows, title, source)


@lru_cache(maxsize=32)
def _trend_skeleton(y_title: str) -> str:
    chart = alt.Chart(alt.NamedData(name="rows")).mark_line(point=True).encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
        tooltip=["year:O", alt.Tooltip("value:Q", format=",.0f")],
    ).properties(width=440, height=220)
    return json.dumps(chart.to_dict(validate=False))


def render(spec: Spec, fmt: str) -> bytes:
    """The spec as PNG or SVG (server-side, vl-convert; no browser needed)."""
    import vl_convert as vlc

    if fmt == "png":
        return bytes(vlc.vegalite_to_png(spec, scale=2))
    if fmt == "svg":
        return str(vlc.vegalite_to_svg(spec)).encode("utf-8")
    raise ValueError(f"unknown chart format {fmt!r}")
