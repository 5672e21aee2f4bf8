"""The bed-planning chart (Vega-Lite via Altair): admitted share against the number of beds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt

from verkeerstoren.planning import erlang
from verkeerstoren.planning.schemas import BedPlanOut


def guarantee_spec(plan: BedPlanOut, translate: Callable[..., str]) -> dict[str, Any]:
    """Share of patients admitted per number of beds, with the guarantees as rules."""
    top = max(g.beds for g in plan.guarantees)
    low = max(1, int(plan.offered_load * 0.6))
    label = translate("Admitted (%)")
    points = [{"beds": n, label: (1 - b) * 100}
              for n, b in erlang.curve(plan.offered_load, low, max(top + 2, low + 5))]
    line = alt.Chart(alt.InlineData(values=points)).mark_line(point=True).encode(
        x=alt.X("beds:Q", title=translate("Beds")),
        # Admission shares all lie near 100 %; starting the axis at zero would flatten the
        # curve into a line, so this axis starts where the curve does and the title says so.
        y=alt.Y(f"{label}:Q", scale=alt.Scale(zero=False),
                title=translate("Admitted (%), axis does not start at 0")),
        tooltip=["beds:Q", alt.Tooltip(f"{label}:Q", format=".2f")])
    rules = alt.Chart(alt.InlineData(values=[
        {"level": g.guarantee_percent} for g in plan.guarantees])).mark_rule(
        strokeDash=[4, 4], color="#b00").encode(y="level:Q")
    chart = alt.layer(line, rules).properties(
        width=520, height=240,
        title=alt.TitleParams(translate("Admission guarantee per number of beds"),
                              anchor="start",
                              subtitle=translate("Erlang loss model; red lines: 95, 99 and "
                                                 "99.9 % and the chosen guarantee")))
    result: dict[str, Any] = chart.to_dict(validate=False)
    return result
