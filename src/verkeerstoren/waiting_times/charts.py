"""The waiting-time trend chart (Vega-Lite via Altair)."""

from __future__ import annotations

import json
from typing import Any

import altair as alt

from verkeerstoren.waiting_times.region import TrendPoint


def dumps(spec: dict[str, Any]) -> str:
    """Compact JSON for a <script type="application/json"> block ('</' escaped)."""
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


def trend_spec(points: list[TrendPoint], translate: Any) -> dict[str, Any] | None:
    """Median intake wait per sector and period, with the GGZ intake norm (4 weeks) as a rule."""
    rows = [{"period": p.period, "sector": p.sector, "source": p.source,
             "weeks": p.median_intake, "n": p.entries}
            for p in points if p.median_intake is not None]
    if not rows:
        return None
    lines = alt.Chart(alt.InlineData(values=rows)).mark_line(point=True).encode(
        x=alt.X("period:O", title=None),
        y=alt.Y("weeks:Q", title=translate("Median intake wait (weeks)")),
        color=alt.Color("sector:N", title=None),
        tooltip=["period:O", "sector:N", "source:N", "weeks:Q", "n:Q"])
    norm = alt.Chart(alt.InlineData(values=[{"weeks": 4}])).mark_rule(
        strokeDash=[4, 4], color="#b00").encode(y="weeks:Q")
    chart = alt.layer(lines, norm).properties(
        width=520, height=220,
        title=alt.TitleParams(
            translate("Median intake wait"), anchor="start",
            subtitle=translate("Source: NZa wachttijden ggz 2016 and 2018 (unweighted, per "
                               "location) and providers' reports; red line: Treeknorm 4 weeks")))
    result: dict[str, Any] = chart.to_dict(validate=False)
    return result
