"""The scheduled pull reads a provider endpoint that serves an EDXL-HAVE document (item 6)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.capacity.test_pull import Served, provider_site  # noqa: F401 - the fixture
from tests.conftest import LOCAL, Browser
from tests.interop.conftest import fixture, now_values
from verkeerstoren.capacity.models import AvailabilityReport, BedState, ReportSource
from verkeerstoren.capacity.pull.scheduler import run_due_pulls
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow


def test_a_due_edxl_pull_records_the_documents_figures(
    login: Callable[[str], Browser], session: Session, db: Database, own_bed: UnitBedType,
    provider_site: tuple[str, Served],  # noqa: F811
) -> None:
    base, routes = provider_site
    routes["/have.xml"] = (200, fixture(
        "have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
        AVAILABLE=3, BASELINE=4, **now_values()))
    answer = login("provider").post("/api/v1/pull-sources",
                                    json={"url": f"{base}/have.xml", "format": "edxl"})
    assert answer.status_code == 201, answer.text
    source_id = answer.json()["id"]

    results = [r for r in run_due_pulls(db, utcnow(), outbound=LOCAL)
               if r.source_id == source_id]

    assert [(r.ok, r.accepted) for r in results] == [(True, 1)]
    session.expire_all()
    state = session.get(BedState, (own_bed.unit_id, own_bed.bed_type_code))
    assert state is not None
    assert (state.staffed, state.available) == (4, 3)
    latest = session.scalars(select(AvailabilityReport).order_by(
        AvailabilityReport.id.desc())).first()
    assert latest is not None
    assert latest.source is ReportSource.PULL


def test_a_bad_edxl_document_stops_the_pull_and_names_the_element(
    login: Callable[[str], Browser], db: Database, own_bed: UnitBedType,
    provider_site: tuple[str, Served],  # noqa: F811
) -> None:
    base, routes = provider_site
    routes["/have.xml"] = (200, fixture(
        "have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
        AVAILABLE=3, BASELINE="vier", **now_values()))
    provider = login("provider")
    source = provider.post("/api/v1/pull-sources",
                           json={"url": f"{base}/have.xml", "format": "edxl"}).json()

    body = provider.post(f"/api/v1/pull-sources/{source['id']}/run").json()

    assert body["last_ok"] is False
    assert [(p["field"], p["row"]) for p in body["last_problems"]] == [("baselineCount", 26)]
