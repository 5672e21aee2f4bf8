"""The provider's home page lists its stale units with their age; other roles see no panel."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.capacity.service import submit_reports
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage.base import utcnow


def _panel(html: str) -> str:
    match = re.search(r'<section class="card[^"]*" id="stale-units">(.*?)</section>', html, re.S)
    assert match, "the home page has the stale-units panel"
    return match.group(1)


def test_a_provider_sees_its_stale_units_with_their_age_and_not_fresh_ones(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    report = ReportIn(unit_id=own_unit.unit_id, bed_type_code=own_unit.bed_type_code,
                      staffed=2, occupied=1)
    submit_reports(session, system_actor("test"), [report], ReportSource.API,
                   now=utcnow() - timedelta(hours=30))
    session.flush()
    provider = login("provider")

    key = f"{own_unit.unit_id}/{own_unit.bed_type_code}"
    panel = _panel(provider.get("/").text)
    line = re.search(rf'data-key="{key}">.*?<span class="age">([^<]+)</span>', panel, re.S)
    assert line, panel
    assert line.group(1) == "1 dag geleden"

    assert provider.post("/api/v1/availability", json=report.model_dump()).status_code == 201
    assert f'data-key="{key}"' not in provider.get("/").text


def test_a_coordinator_home_page_has_no_stale_units_panel(
    login: Callable[[str], Browser]
) -> None:
    assert 'id="stale-units"' not in login("coordinator").get("/").text
