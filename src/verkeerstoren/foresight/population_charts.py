"""Charts of the population projection (Vega-Lite via Altair): age bands per year, and the
65- and 80-plussers. Counts start their axis at zero."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt

from verkeerstoren.foresight.population import PopulationProjection

BANDS = (("0-19", 0, 19), ("20-64", 20, 64), ("65-79", 65, 79), ("80+", 80, None))


def bands_spec(p: PopulationProjection, translate: Callable[..., str]) -> dict[str, Any]:
    """Persons per year, stacked by age band."""
    persons = translate("Persons")
    band = translate("Age")
    rows = [{"year": str(year), band: name, persons: round(float(values[i]))}
            for name, lo, hi in BANDS for values in [p.aged(lo, hi)]
            for i, year in enumerate(p.years)]
    chart = alt.Chart(alt.InlineData(values=rows)).mark_bar().encode(
        x=alt.X("year:O", title=translate("Year (1 January)")),
        y=alt.Y(f"{persons}:Q", stack="zero", title=persons),
        color=alt.Color(f"{band}:N", sort=[b[0] for b in BANDS], title=band),
        order=alt.Order(f"{band}:N"),
        tooltip=["year:O", f"{band}:N", alt.Tooltip(f"{persons}:Q", format=",.0f")],
    ).properties(width=560, height=260, title=alt.TitleParams(
        translate("Population by age"), anchor="start",
        subtitle=translate("Cohort-component projection from the base year")))
    result: dict[str, Any] = chart.to_dict(validate=False)
    return result


def aged_spec(p: PopulationProjection, translate: Callable[..., str]) -> dict[str, Any]:
    """The 65-plussers and 80-plussers per year."""
    persons = translate("Persons")
    group = translate("Group")
    labels = ((translate("65 and older"), 65), (translate("80 and older"), 80))
    rows = [{"year": str(year), group: label, persons: round(float(values[i]))}
            for label, lo in labels for values in [p.aged(lo)]
            for i, year in enumerate(p.years)]
    chart = alt.Chart(alt.InlineData(values=rows)).mark_line(point=True).encode(
        x=alt.X("year:O", title=translate("Year (1 January)")),
        y=alt.Y(f"{persons}:Q", scale=alt.Scale(zero=True), title=persons),
        color=alt.Color(f"{group}:N", title=group),
        tooltip=["year:O", f"{group}:N", alt.Tooltip(f"{persons}:Q", format=",.0f")],
    ).properties(width=560, height=220, title=alt.TitleParams(
        translate("65- and 80-plussers"), anchor="start"))
    result: dict[str, Any] = chart.to_dict(validate=False)
    return result
