"""What users read on the home page and a few tables (the demo review's findings)."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.capacity.models import AvailabilityReport


def test_the_home_page_names_what_each_role_really_has(
    login: Callable[[str], Browser]
) -> None:
    coordinator = login("coordinator").get("/").text
    assert "Straks" not in coordinator
    assert "regiobord" in coordinator
    assert "Plaatsingsverzoeken" in coordinator
    provider = login("provider").get("/").text
    assert "<li>Bedden melden: per afdeling" in provider  # in the list, not only the menu
    for role in ("admin", "referrer", "analyst", "viewer"):
        assert "Straks" not in login(role).get("/").text, role


def test_the_unit_page_names_the_report_channel_in_dutch(
    login: Callable[[str], Browser], session: Session
) -> None:
    unit_id = session.scalars(select(AvailabilityReport.unit_id)).first()
    text = login("coordinator").get(f"/capacity/units/{unit_id}").text
    cells = re.findall(r"<td>([^<]*)</td><td>[^<]*</td></tr>", text)
    assert cells
    assert not {"web", "api", "csv", "xlsx", "pull"} & set(cells)


def test_the_waits_report_page_explains_the_csv_columns_and_scrolls_its_table(
    login: Callable[[str], Browser]
) -> None:
    text = login("provider").get("/wachttijden/melden").text
    for column in ("location_id", "sector", "care_type", "intake_weeks", "treatment_weeks",
                   "measured_on"):
        assert f"<dt><code>{column}</code></dt><dd>" in text
    assert 'leeg betekent vandaag' in text
    assert re.search(r'<div class="scroll"><table class="data" id="reports">', text)
