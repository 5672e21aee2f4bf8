"""One Vega-Lite chart per indicator, built with Altair: the same spec in the browser and the PDF.

The browser draws the spec with the vendored vega-embed; the report renders the very same dict
to SVG with vl-convert.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from verkeerstoren.kpi.dashboards import IndicatorView
from verkeerstoren.kpi.models import Direction
from verkeerstoren.kpi.status import Target as RuleTarget
from verkeerstoren.kpi.status import applicable_target

UNIT_AXIS = {
    "percent": "%", "count": "aantal", "days": "dagen", "hours": "uren", "eur": "euro",
    "score": "score", "text": "",
}
COLOURS = {"value": "#1f5f8b", "target": "#b5462f", "baseline": "#7a7a7a"}
# What .configure_view/.configure_axis/.configure_text wrote, as the Vega-Lite config itself.
CONFIG: dict[str, Any] = {
    "view": {"stroke": None},
    "axis": {"labelFont": "DejaVu Sans", "titleFont": "DejaVu Sans", "labelFontSize": 10,
             "titleFontSize": 10, "grid": True, "gridColor": "#e6e6e6"},
    "text": {"font": "DejaVu Sans"},
}


# Units whose axis starts at zero (issue 15 item 9).
ZERO_BASED = frozenset({"count", "percent"})


def indicator_chart(view: IndicatorView, *, width: int = 460, height: int = 170) -> dict[str, Any]:
    """A line of the indicator's values per period with its target and baseline as rules."""
    indicator = view.indicator
    rows = [{"periode": p.period, "start": p.start.isoformat(), "waarde": p.value,
             "soort": "demo" if p.is_demo else "gemeten"}
            for p in view.series if p.value is not None]
    year = int(view.series[-1].period[:4]) if view.series else 2025
    target = applicable_target(
        [RuleTarget(t.year, t.value, t.text) for t in indicator.targets], year)
    unit = UNIT_AXIS.get(indicator.unit.value, "")
    zero = indicator.unit.value in ZERO_BASED
    base = alt.Chart(dict(values=rows))
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=36),
                          color=COLOURS["value"], strokeWidth=2).encode(
        # Every period labelled (2026Q1, 2026Q2, …), in time order.
        x=alt.X("periode:O", title=None, sort=alt.SortField("start"),
                axis=alt.Axis(labelAngle=-45 if len(rows) > 8 else 0)),
        # Counts and percentages start at zero, so a small change does not look like a fall;
        # money, hours, days and scores keep the axis near their values, and say so.
        y=alt.Y("waarde:Q", title=unit if zero else f"{unit} (as begint niet bij 0)".strip(),
                scale=alt.Scale(zero=zero)),
        tooltip=[alt.Tooltip("periode:N", title="Periode"),
                 alt.Tooltip("waarde:Q", title="Waarde", format=",.1f"),
                 alt.Tooltip("soort:N", title="Bron")],
    )
    layers: list[alt.Chart] = [line]
    if target is not None and target.value is not None:
        label = f"streefwaarde {target.year}"
        rule = alt.Chart(dict(values=[{"y": target.value, "label": label}]))
        layers.append(rule.mark_rule(color=COLOURS["target"], strokeDash=[5, 3],
                                     strokeWidth=1.5).encode(y="y:Q"))
        layers.append(rule.mark_text(align="left", dx=3, dy=-6, color=COLOURS["target"],
                                     fontSize=10).encode(y="y:Q", text="label:N",
                                                         x=alt.value(0)))
    if indicator.baseline_value is not None and indicator.direction is not Direction.NONE:
        rule = alt.Chart(dict(values=[{"y": indicator.baseline_value,
                                           "label": f"nulmeting {indicator.baseline_year or ''}"}]))
        layers.append(rule.mark_rule(color=COLOURS["baseline"], strokeDash=[2, 2]).encode(
            y="y:Q"))
        layers.append(rule.mark_text(align="right", dy=-6, color=COLOURS["baseline"],
                                     fontSize=10).encode(y="y:Q", text="label:N",
                                                         x=alt.value(width)))
    # Size and config given in one go: each .properties()/.configure_*() call copies and
    # re-initialises the whole layer chart, which made up most of the chart-building time.
    chart = alt.layer(*layers, width=width, height=height)
    spec: dict[str, Any] = chart.to_dict(validate=False)
    config = spec.setdefault("config", {})  # keeps what the theme put there
    for key, values in CONFIG.items():
        config[key] = {**config.get(key, {}), **values}
    return spec
