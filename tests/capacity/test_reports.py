"""Availability reports through the API and the web form: validation, scoping, history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.capacity.models import AvailabilityReport, BedState
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage.base import utcnow


def _reports(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AvailabilityReport)) or 0


def _state(session: Session, ubt: UnitBedType) -> BedState:
    session.expire_all()
    state = session.get(BedState, (ubt.unit_id, ubt.bed_type_code))
    assert state is not None
    return state


def test_a_provider_reports_beds_and_available_is_derived(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    staffed = 4
    answer = login("provider").post("/api/v1/availability", json={
        "unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code,
        "staffed": staffed, "occupied": staffed - 2, "blocked": 1,
        "blocked_reason": "Lekkage",
    })
    assert answer.status_code == 201, answer.text
    state = _state(session, own_unit)
    assert (state.staffed, state.occupied, state.blocked) == (staffed, staffed - 2, 1)
    assert state.available == 1


def test_every_report_is_kept_as_history(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    before = _reports(session)
    provider = login("provider")
    for occupied in (1, 2):
        provider.post("/api/v1/availability", json={
            "unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code,
            "staffed": 3, "occupied": occupied})
    assert _reports(session) == before + 2
    assert _state(session, own_unit).occupied == 2


def test_occupied_plus_blocked_above_staffed_is_refused_naming_the_field(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    before = _reports(session)
    answer = login("provider").post("/api/v1/availability", json={
        "unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code,
        "staffed": 2, "occupied": 2, "blocked": 1})
    assert answer.status_code == 422
    assert "occupied plus blocked" in answer.text
    assert _reports(session) == before


def test_staffed_above_physical_negative_counts_and_past_dates_are_refused(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    provider = login("provider")
    base = {"unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code}
    too_many = provider.post("/api/v1/availability", json={
        **base, "staffed": own_unit.physical_beds + 1, "occupied": 0})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "staffed"
    negative = provider.post("/api/v1/availability", json={**base, "staffed": 1, "occupied": -1})
    assert negative.status_code == 422
    past = provider.post("/api/v1/availability", json={
        **base, "staffed": 1, "occupied": 1,
        "expected_free_date": (utcnow() - timedelta(days=2)).date().isoformat()})
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "expected_free_date"


def test_an_unknown_unit_or_bed_type_is_refused(
    login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    provider = login("provider")
    answer = provider.post("/api/v1/availability", json={
        "unit_id": own_unit.unit_id, "bed_type_code": "hospice_nonexistent",
        "staffed": 1, "occupied": 0})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "unit_id"


def test_a_provider_can_never_report_for_another_organisations_unit(
    login: Callable[[str], Browser], session: Session, other_unit: UnitBedType
) -> None:
    before = _reports(session)
    body = {"unit_id": other_unit.unit_id, "bed_type_code": other_unit.bed_type_code,
            "staffed": 1, "occupied": 0}
    provider = login("provider")
    assert provider.post("/api/v1/availability", json=body).status_code == 422
    assert provider.post("/api/v1/availability/bulk",
                         json={"reports": [body]}).status_code == 422
    csv = (f"unit_id,bed_type_code,staffed,occupied\n{other_unit.unit_id},"
           f"{other_unit.bed_type_code},1,0\n")
    upload = provider.post("/api/v1/availability/upload",
                           files={"file": ("x.csv", csv.encode(), "text/csv")})
    assert upload.status_code == 422
    form = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, **{k: str(v) for k, v in body.items()}})
    assert form.status_code == 422
    assert _reports(session) == before


def test_bulk_reports_are_all_or_nothing(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    before = _reports(session)
    good = {"unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code,
            "staffed": 2, "occupied": 1}
    bad = {"unit_id": 999999, "bed_type_code": own_unit.bed_type_code, "staffed": 1,
           "occupied": 0}
    answer = login("provider").post("/api/v1/availability/bulk",
                                    json={"reports": [good, bad]})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["row"] == 2
    assert _reports(session) == before


def test_the_phone_form_saves_a_report_and_confirms_it_in_dutch(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    provider = login("provider")
    page = provider.get("/capacity/report")
    assert page.status_code == 200
    assert "Ongewijzigd" in page.text or "Opslaan" in page.text
    saved = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, "unit_id": str(own_unit.unit_id),
        "bed_type_code": own_unit.bed_type_code, "staffed": "2", "occupied": "2",
        "blocked": "0"})
    assert "Melding opgeslagen" in saved.text
    assert _state(session, own_unit).occupied == 2


def test_the_form_shows_a_dutch_error_for_impossible_counts(
    login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    provider = login("provider")
    answer = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, "unit_id": str(own_unit.unit_id),
        "bed_type_code": own_unit.bed_type_code, "staffed": "1", "occupied": "3"})
    assert answer.status_code == 422
    assert "bezet plus geblokkeerd kan niet meer zijn dan bemand" in answer.text


def test_a_report_is_audited(login: Callable[[str], Browser], session: Session,
                             own_unit: UnitBedType) -> None:
    from verkeerstoren.audit.models import AuditEntry

    login("provider").post("/api/v1/availability", json={
        "unit_id": own_unit.unit_id, "bed_type_code": own_unit.bed_type_code,
        "staffed": 1, "occupied": 1})
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "report")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert entry.actor_label.startswith("provider@")
