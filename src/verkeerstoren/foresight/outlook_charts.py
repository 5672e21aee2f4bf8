"""Vega-Lite specs (Altair) for demand per sector, the zorgkloof and the scenario comparison.

Every chart carries its method, inputs and assumptions in its subtitle, so an exported PNG/SVG
says how it was made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import altair as alt

from verkeerstoren.foresight.schemas import ComparisonOut, OutlookOut

Spec = dict[str, Any]


def _title(text: str, notes: Sequence[str]) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=list(notes), anchor="start", fontSize=14,
                           subtitleFontSize=10, subtitleColor="#555")


def demand_spec(result: OutlookOut, _: Callable[..., str]) -> Spec:
    """Demand index per sector (2024 = 100), one line per sector."""
    rows = [{"year": y, "sector": _(s.label), "index": s.index[i]}
            for s in result.sectors for i, y in enumerate(result.years)]
    chart = alt.Chart(alt.InlineData(values=rows)).mark_line(point=True).encode(
        x=alt.X("year:O", title=None),
        # An index lies near 100; from zero the growth would flatten into parallel lines.
        y=alt.Y("index:Q", scale=alt.Scale(zero=False),
                title=_("Index (2024 = 100), axis does not start at 0")),
        color=alt.Color("sector:N", title=None, legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=["year:O", "sector:N", alt.Tooltip("index:Q", format=".1f")],
    ).properties(width=560, height=280, title=_title(
        _("Demand per sector, {area}, scenario {scenario}", area=result.area_name,
          scenario=result.scenario_name),
        [_("Method: care-use rate per sex and age group × projected population."),
         _("Inputs: Vektis Zvw 2015 per gemeente; V&V: invented demo schedule."),
         _("Assumption: use per person of a given age and sex stays as in the source year.")]))
    spec: Spec = chart.to_dict(validate=False)
    return spec


def gap_spec(result: OutlookOut, _: Callable[..., str]) -> Spec:
    """The zorgkloof per year, stacked by sector (FTE needed − FTE available)."""
    rows = [{"year": y, "sector": _(s.label), "gap": s.gap_fte[i]}
            for s in result.sectors if s.gap_fte is not None
            for i, y in enumerate(result.years)]
    chart = alt.Chart(alt.InlineData(values=rows)).mark_bar().encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("sum(gap):Q", title=_("FTE short (negative: surplus)")),
        color=alt.Color("sector:N", title=None, legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=["year:O", "sector:N", alt.Tooltip("gap:Q", format=",.0f")],
    ).properties(width=560, height=280, title=_title(
        _("Zorgkloof, {area}, scenario {scenario}", area=result.area_name,
          scenario=result.scenario_name),
        [_("Method: FTE needed = (FTE + vacancies in 2024) × demand growth ÷ productivity; "
           "minus FTE available after inflow, outflow and retirement."),
         _("Inputs: staff figures are invented demo figures unless the region entered its own."),
         _("Assumption: lever effects grow linearly to their full size in 2030.")]))
    spec: Spec = chart.to_dict(validate=False)
    return spec


def comparison_spec(result: ComparisonOut, _: Callable[..., str]) -> Spec:
    """The total zorgkloof per year, the reference beside each scenario."""
    outlooks = [result.reference, *(s.outlook for s in result.scenarios)]
    rows = [{"year": y, "scenario": o.scenario_name, "gap": o.gap_fte_total[i]}
            for o in outlooks for i, y in enumerate(o.years)]
    chart = alt.Chart(alt.InlineData(values=rows)).mark_line(point=True).encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("gap:Q", title=_("Zorgkloof (FTE)")),
        color=alt.Color("scenario:N", title=None, sort=None,
                        legend=alt.Legend(orient="bottom", columns=2)),
        strokeDash=alt.condition(f"datum.scenario == '{result.reference.scenario_name}'",
                                 alt.value([4, 3]), alt.value([1, 0])),
        tooltip=["year:O", "scenario:N", alt.Tooltip("gap:Q", format=",.0f")],
    ).properties(width=560, height=280, title=_title(
        _("Scenarios beside the reference, {area}", area=result.area_name),
        [_("Method: demand × rates per age group; zorgkloof = FTE needed − FTE available."),
         _("Inputs: Vektis Zvw 2015; staff figures invented for the demo."),
         _("Dashed: the reference (beleidsarm), rates held constant.")]))
    spec: Spec = chart.to_dict(validate=False)
    return spec
