"""The loop closed in the demo (issue 16 item 7): the programme's "minder hard dan
geprognosticeerd" goal is judged against the foresight projection.

C8 is bound to the forecast kind (V&V demand index in Zoetermeer); C7 holds the region's own
figures (invented in the demo, and marked so) and its targets compare with C8."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.kpi.conftest import ensure_kpi_demo
from tests.opendata.fixtures import load_region
from verkeerstoren.access.actor import system_actor
from verkeerstoren.kpi import sources
from verkeerstoren.kpi.dashboards import overview
from verkeerstoren.kpi.models import Indicator, Measurement
from verkeerstoren.kpi.periods import parse_period
from verkeerstoren.kpi.status import Status


def _values(session: Session, code: str) -> dict[str, Measurement]:
    indicator = session.scalar(select(Indicator).where(Indicator.code == code))
    assert indicator is not None
    return {m.period: m for m in session.scalars(select(Measurement).where(
        Measurement.indicator_id == indicator.id, Measurement.area_code == ""))}


def test_the_demo_judges_vv_demand_against_the_forecast(
        session: Session, login: Callable[[str], Browser]) -> None:
    # As `verkeerstoren demo` does: the open data loaded, then the bound indicators refreshed.
    ensure_kpi_demo(session)
    load_region(session, ("vektis_zvw", "vektis_categories", "cbs_population_dynamics",
                          "cbs_kerncijfers", "pdok_gemeenten"))
    sources.refresh(session, system_actor("test"), today=date(2026, 10, 15))
    c8 = session.scalar(select(Indicator).where(Indicator.code == "C8"))
    assert c8 is not None
    assert c8.source_kind == "forecast"
    forecast = _values(session, "C8")
    assert sorted(forecast) == [str(y) for y in range(2024, 2031)]
    # An index with base 2024 is 100 there by definition; V&V demand follows the 75+, who
    # grow every year to 2030 in Zoetermeer (docs/foresight.md: +17 % in Haaglanden).
    assert forecast["2024"].value == pytest.approx(100.0)
    series = [forecast[str(y)].value or 0 for y in range(2024, 2031)]
    assert series == sorted(series)
    assert series[-1] > 105
    assert all(not m.is_demo and "Prognose Verkeerstoren" in (m.note or "")
               for m in forecast.values())

    c7 = session.scalar(select(Indicator).where(Indicator.code == "C7"))
    assert c7 is not None
    assert {(t.year, t.rule, t.reference) for t in c7.targets} == {
        (2025, "below_reference", "C8"), (2030, "below_reference", "C8")}
    own = _values(session, "C7")
    assert all(m.is_demo for m in own.values())  # invented, and marked so

    views = {v.indicator.code: v for v in overview(
        session, parse_period("2026Q3"), today=date(2026, 10, 15)).all_indicators}
    verdict = views["C7"].verdict
    # By hand: the 2026 value beside the forecast of 2026, tolerance 0.5.
    gap = (own["2026"].value or 0) - (forecast["2026"].value or 0)
    expected = Status.ON_TRACK if gap <= 0 else Status.AT_RISK if gap <= 0.5 \
        else Status.OFF_TRACK
    assert verdict.status is expected
    page = login("viewer").get("/kpi")
    assert "Zorgvraag V&amp;V in Zoetermeer" in page.text
