"""SANER MeasureReports: what we export passes the FHIR models and the SANER profile's rules;
a report written by hand from the specification changes the board; our export imports back
to the same numbers; bad input is an OperationOutcome naming the element, and nothing is
written."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.interop.fhir_rules import saner, validate
from verkeerstoren.capacity.models import AvailabilityReport, ReportSource
from verkeerstoren.registry.models import CareUnit, UnitBedType

FIXTURE = Path(__file__).with_name("fixtures") / "saner_hand_written.json"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def hand_written(unit_id: int, bed_type: str, date: str | None = None) -> dict[str, Any]:
    text = FIXTURE.read_text(encoding="utf-8")
    text = (text.replace("{{unit}}", str(unit_id)).replace("{{bed_type}}", bed_type)
            .replace("{{date}}", date or _now()))
    report: dict[str, Any] = json.loads(text)
    return report


def _board_row(browser: Browser, unit: UnitBedType) -> dict[str, Any]:
    rows = browser.get("/api/v1/board").json()["rows"]
    return next(r for r in rows if r["unit_id"] == unit.unit_id
                and r["bed_type_code"] == unit.bed_type_code)


def _reports(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AvailabilityReport)) or 0


def test_every_exported_report_validates(login: Callable[[str], Browser]) -> None:
    coordinator = login("coordinator")
    page = coordinator.get("/fhir/MeasureReport?_count=500")
    assert page.status_code == 200
    validate(page.json())  # validates every MeasureReport in it, SANER rules included
    reports = [e["resource"] for e in page.json()["entry"]]
    assert len(reports) == page.json()["total"] > 10
    region = coordinator.get("/fhir/MeasureReport/region").json()
    validate(region)
    # evaluatedResource names the unit reports the sums were built from, and the sums agree.
    summed = {r["subject"]["reference"].removeprefix("Location/") for r in reports
              if any("count" in p for g in r["group"] for p in g["population"])}
    assert {e["reference"].removeprefix("MeasureReport/")
            for e in region["evaluatedResource"]} == summed
    for group in region["group"]:
        code = group["code"]["coding"][1]["code"]
        total = sum(p["count"] for r in reports for g in r["group"]
                    if g["code"]["coding"][1]["code"] == code
                    for p in g["population"]
                    if p["code"]["coding"][0]["code"] == "numTotBeds" and "count" in p)
        assert group["population"][0]["count"] == total


def test_hand_written_report_changes_the_board(login: Callable[[str], Browser],
                                               session: Session, own_unit: UnitBedType) -> None:
    provider, coordinator = login("provider"), login("coordinator")
    before = _board_row(coordinator, own_unit)
    report = hand_written(own_unit.unit_id, own_unit.bed_type_code)
    answer = provider.post("/fhir/MeasureReport", content=json.dumps(report), headers=FHIR_JSON)
    assert answer.status_code == 201, answer.text
    validate(answer.json())
    after = _board_row(coordinator, own_unit)
    assert (after["staffed"], after["occupied"], after["blocked"]) == (4, 1, 0)
    assert after["available"] == 4 - 1 - after["held"]
    assert after != before
    newest = session.scalars(select(AvailabilityReport).where(
        AvailabilityReport.unit_id == own_unit.unit_id,
        AvailabilityReport.bed_type_code == own_unit.bed_type_code)
        .order_by(AvailabilityReport.id.desc())).first()
    assert newest is not None
    assert newest.source is ReportSource.FHIR


def test_round_trip_keeps_the_numbers(login: Callable[[str], Browser], session: Session,
                                      own_unit: UnitBedType) -> None:
    provider, coordinator = login("provider"), login("coordinator")
    sent = provider.post("/api/v1/availability", json={
        "unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code,
        "staffed": 4, "occupied": 2, "blocked": 1})
    assert sent.status_code == 201, sent.text
    exported = coordinator.get(f"/fhir/MeasureReport/unit-{own_unit.unit_id}").json()
    saner(exported)
    before = {(r["unit_id"], r["bed_type_code"]): r for r in coordinator.get(
        "/api/v1/board").json()["rows"] if r["unit_id"] == own_unit.unit_id}
    imported = provider.post("/fhir/MeasureReport", json=exported)
    assert imported.status_code == 201, imported.text
    after = {(r["unit_id"], r["bed_type_code"]): r for r in coordinator.get(
        "/api/v1/board").json()["rows"] if r["unit_id"] == own_unit.unit_id}
    keys = ("staffed", "occupied", "blocked", "held", "available")
    assert {k: {f: v[f] for f in keys} for k, v in after.items() if v["reported_at"]} == \
        {k: {f: v[f] for f in keys} for k, v in before.items() if v["reported_at"]}
    row = after[(own_unit.unit_id, own_unit.bed_type_code)]
    assert (row["staffed"], row["occupied"], row["blocked"]) == (4, 2, 1)


def _bad(report: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """The report with one element replaced (path like 'group.0.population.1.count')."""
    target: Any = report
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    if value is None:
        del target[int(last) if last.isdigit() else last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return report


@pytest.mark.parametrize(("path", "value", "status", "element"), [
    ("status", "bogus", 422, "MeasureReport.status"),
    ("group.0.population.0.count", -3, 422, "MeasureReport.group[0].population[0].count"),
    ("group.0.population.0.count", None, 422, "MeasureReport.group[0].population[0].count"),
    ("group.0.code.coding.0.code", "Ventilators", 422, "MeasureReport.group[0].code"),
    ("group.0.code.coding.1.code", "icu", 422, "MeasureReport.group[0].code"),
    ("group.0.population.1.code.coding.0.code", "numICUBeds", 422,
     "MeasureReport.group[0].population[1].code"),
    ("date", "2026-12-04T09:30+01:00", 422, "MeasureReport.date"),
    ("subject", {"reference": "Patient/1"}, 422, "MeasureReport.subject"),
    ("group.0.population.1.count", 9, 422, "MeasureReport.group[0].population"),
])
def test_bad_reports_name_the_element_and_write_nothing(
        login: Callable[[str], Browser], session: Session, own_unit: UnitBedType,
        path: str, value: Any, status: int, element: str) -> None:
    provider = login("provider")
    before = _reports(session)
    report = _bad(hand_written(own_unit.unit_id, own_unit.bed_type_code), path, value)
    answer = provider.post("/fhir/MeasureReport", json=report)
    assert answer.status_code == status, answer.text
    outcome = answer.json()
    validate(outcome)
    assert outcome["issue"][0]["expression"] == [element], outcome
    assert _reports(session) == before


def test_other_organisations_location_is_refused(login: Callable[[str], Browser],
                                                 session: Session,
                                                 other_unit: UnitBedType) -> None:
    provider = login("provider")
    before = _reports(session)
    answer = provider.post("/fhir/MeasureReport",
                           json=hand_written(other_unit.unit_id, other_unit.bed_type_code))
    assert answer.status_code == 403
    assert answer.json()["issue"][0]["expression"] == ["MeasureReport.subject"]
    assert _reports(session) == before


def test_malformed_json_is_an_operation_outcome(login: Callable[[str], Browser],
                                                session: Session) -> None:
    provider = login("provider")
    before = _reports(session)
    answer = provider.post("/fhir/MeasureReport", content=b"{not json", headers=FHIR_JSON)
    assert answer.status_code == 400
    validate(answer.json())
    assert _reports(session) == before


def test_older_report_does_not_replace_a_newer_one(login: Callable[[str], Browser],
                                                   session: Session,
                                                   own_unit: UnitBedType) -> None:
    provider = login("provider")
    first = provider.post("/fhir/MeasureReport", json=hand_written(
        own_unit.unit_id, own_unit.bed_type_code))
    assert first.status_code == 201
    before = _reports(session)
    late = provider.post("/fhir/MeasureReport", json=hand_written(
        own_unit.unit_id, own_unit.bed_type_code, "2020-01-01T00:00:00Z"))
    assert late.status_code == 409
    assert late.json()["issue"][0]["expression"] == ["MeasureReport.date"]
    assert _reports(session) == before


def test_one_organisations_reports_page_by_reporter(login: Callable[[str], Browser],
                                                    own_unit: UnitBedType,
                                                    session: Session) -> None:
    coordinator = login("coordinator")
    org = session.get(CareUnit, own_unit.unit_id)
    assert org is not None
    wanted = f"Organization/{org.organisation_id}"
    page = coordinator.get(f"/fhir/MeasureReport?reporter={wanted}&_count=1").json()
    validate(page)
    assert page["total"] >= 2
    assert page["entry"][0]["resource"]["reporter"]["reference"] == wanted
    following = next(link["url"] for link in page["link"] if link["relation"] == "next")
    second = coordinator.get(following.removeprefix("http://testserver")).json()
    assert second["entry"][0]["resource"]["reporter"]["reference"] == wanted
    assert second["entry"][0]["resource"]["id"] != page["entry"][0]["resource"]["id"]
