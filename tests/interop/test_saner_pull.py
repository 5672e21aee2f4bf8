"""The scheduled pull reads a SANER MeasureReport, and a region subscribes another region's
tower through the same standard (our export as their pull source)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.capacity.test_pull import Served, provider_site
from tests.conftest import Browser
from tests.interop.fhir_rules import validate
from tests.interop.test_saner import _board_row, hand_written
from verkeerstoren.capacity.models import BedState
from verkeerstoren.registry.models import Location, UnitBedType

__all__ = ["provider_site"]


def _run(browser: Browser, url: str, fmt: str, **extra: object) -> dict[str, Any]:
    source = browser.post("/api/v1/pull-sources", json={"url": url, "format": fmt, **extra})
    assert source.status_code == 201, source.text
    answer = browser.post(f"/api/v1/pull-sources/{source.json()['id']}/run")
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_provider_endpoint_serving_a_measure_report_is_pulled(
        login: Callable[[str], Browser], own_unit: UnitBedType,
        provider_site: tuple[str, Served]) -> None:
    base, routes = provider_site
    routes["/saner"] = (200, json.dumps(hand_written(own_unit.unit_id,
                                                     own_unit.bed_type_code)).encode())
    provider, coordinator = login("provider"), login("coordinator")
    result = _run(provider, f"{base}/saner", "saner")
    assert result["last_ok"] is True, result
    assert result["last_accepted"] == 1
    row = _board_row(coordinator, own_unit)
    assert (row["staffed"], row["occupied"]) == (4, 1)


def test_a_measure_report_is_recognised_in_a_json_source(
        login: Callable[[str], Browser], own_unit: UnitBedType,
        provider_site: tuple[str, Served]) -> None:
    base, routes = provider_site
    report = hand_written(own_unit.unit_id, own_unit.bed_type_code)
    routes["/bundle"] = (200, json.dumps({"resourceType": "Bundle", "type": "collection",
                                          "entry": [{"resource": report}]}).encode())
    result = _run(login("provider"), f"{base}/bundle", "json")
    assert result["last_ok"] is True, result


def test_a_bad_measure_report_is_refused_whole_naming_the_element(
        login: Callable[[str], Browser], own_unit: UnitBedType,
        provider_site: tuple[str, Served]) -> None:
    base, routes = provider_site
    report = hand_written(own_unit.unit_id, own_unit.bed_type_code)
    report["group"][0]["population"][0]["code"]["coding"][0]["code"] = "numVent"
    routes["/bad"] = (200, json.dumps(report).encode())
    result = _run(login("provider"), f"{base}/bad", "saner")
    assert result["last_ok"] is False
    assert result["last_problems"][0]["field"] == "MeasureReport.group[0].population[0].code"


def test_a_region_subscribes_another_regions_tower(
        login: Callable[[str], Browser], session: Session,
        provider_site: tuple[str, Served]) -> None:
    """Tower A's region aggregate (its /fhir export) is tower B's pull source; B keeps the
    other region as one organisation with a unit per bed type."""
    admin, coordinator = login("admin"), login("coordinator")
    exported = coordinator.get("/fhir/MeasureReport/region").json()  # tower A's export
    validate(exported)
    assert exported["evaluatedResource"]  # names the unit reports the sums came from
    bed_types = [g["code"]["coding"][1]["code"] for g in exported["group"]]
    org = admin.post("/api/v1/organisations", json={
        "name": "Regio Noord (federatie)", "kind": "coordination_point"}).json()
    site = session.scalars(select(Location)).first()
    assert site is not None
    location = admin.post("/api/v1/locations", json={
        "organisation_id": org["id"], "name": "Regio Noord", "postcode": "9711AA",
        "gemeente_code": site.gemeente_code}).json()
    unit = admin.post("/api/v1/units", json={
        "location_id": location["id"], "name": "Regio Noord: alle bedden",
        "bed_types": [{"bed_type_code": b, "physical_beds": 1} for b in bed_types]})
    assert unit.status_code == 201, unit.text
    base, routes = provider_site
    routes["/fhir/MeasureReport/region-1"] = (200, json.dumps(exported).encode())

    result = _run(admin, f"{base}/fhir/MeasureReport/region-1", "saner",
                  organisation_id=org["id"])

    assert result["last_ok"] is True, result
    assert result["last_accepted"] == len(bed_types)
    for group in exported["group"]:
        counts = {p["code"]["coding"][0]["code"]: p.get("count") for p in group["population"]}
        state = session.get(BedState, (unit.json()["id"], group["code"]["coding"][1]["code"]))
        assert state is not None
        assert state.staffed == counts["numTotBeds"]
        assert state.available == counts["numTotBedsAvail"]
