"""Hold time and expiry: a chosen hold time within bounds, one warning, one release.

The server doing this by itself is proven in tests/e2e/test_hold_expiry.py (a served process);
two processes releasing at once in tests/placement/test_expiry_race.py (PostgreSQL).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.placement.conftest import hold_free_bed, request_in, user_actor
from verkeerstoren.capacity.models import BedState
from verkeerstoren.cli import main
from verkeerstoren.errors import Conflict, ValidationProblem
from verkeerstoren.notifications.models import Notification
from verkeerstoren.placement import service
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    Reservation,
    ReservationStatus,
    StatusChange,
)
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.settings import Settings
from verkeerstoren.storage.base import utcnow


def _notes(session: Session, event: str, organisation_id: int) -> list[Notification]:
    return list(session.scalars(select(Notification).where(
        Notification.event == event, Notification.organisation_id == organisation_id)))


def _held(session: Session, ubt: UnitBedType) -> int:
    session.expire_all()
    state = session.get(BedState, (ubt.unit_id, ubt.bed_type_code))
    assert state is not None
    return state.held


@pytest.mark.parametrize("minutes", [4, 241, 0, -1])
def test_a_hold_time_outside_the_bounds_is_a_422_naming_the_field(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest],
    one_free_bed: UnitBedType, session: Session, minutes: int,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    before = _held(session, one_free_bed)
    answer = login("coordinator").post(
        f"/api/v1/placement/requests/{request.id}/reservations",
        json={"unit_id": one_free_bed.unit_id, "bed_type_code": one_free_bed.bed_type_code,
              "hold_minutes": minutes})
    assert answer.status_code == 422, answer.text
    assert "hold_minutes" in answer.text
    assert _held(session, one_free_bed) == before
    assert request.status is RequestStatus.OPEN


def test_the_chosen_hold_time_sets_the_end_of_the_hold(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest],
    one_free_bed: UnitBedType,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    answer = login("coordinator").post(
        f"/api/v1/placement/requests/{request.id}/reservations",
        json={"unit_id": one_free_bed.unit_id, "bed_type_code": one_free_bed.bed_type_code,
              "hold_minutes": 90})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    held_for = (datetime.fromisoformat(body["held_until"])
                - datetime.fromisoformat(body["created_at"]))
    assert held_for == timedelta(minutes=90)


def test_the_form_refuses_a_hold_time_out_of_bounds_in_dutch(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest],
    one_free_bed: UnitBedType, session: Session,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    coordinator = login("coordinator")
    page = coordinator.get(f"/placement/requests/{request.id}").text
    assert 'name="hold_minutes" value="30" min="5" max="240"' in page
    answer = coordinator.post(f"/placement/requests/{request.id}/reserve", data={
        "csrf_token": coordinator.csrf, "hold_minutes": "300",
        "option": f"{one_free_bed.unit_id}:{one_free_bed.bed_type_code}"})
    assert answer.status_code == 422
    assert "de reserveringstermijn moet tussen 5 en 240 minuten liggen" in answer.text
    session.expire_all()
    assert request.status is RequestStatus.OPEN
    answer = coordinator.post(f"/placement/requests/{request.id}/reserve", data={
        "csrf_token": coordinator.csrf, "hold_minutes": "45",
        "option": f"{one_free_bed.unit_id}:{one_free_bed.bed_type_code}"})
    assert answer.status_code in (200, 303), answer.text
    held = session.scalar(select(Reservation).where(Reservation.request_id == request.id))
    assert held is not None
    assert held.held_until - held.created_at == timedelta(minutes=45)


def test_the_bounds_and_default_are_settings() -> None:
    policy = service.HoldPolicy.from_settings(Settings(hold_minutes_min=1, hold_minutes=10))
    assert policy.minutes(None) == 10
    assert policy.minutes(1) == 1
    with pytest.raises(ValidationProblem):
        service.HoldPolicy().minutes(1)
    with pytest.raises(ValueError, match="HOLD_MINUTES"):
        Settings(hold_minutes=300)


def test_the_expiry_runs_in_the_server_except_in_tests_unless_asked() -> None:
    assert Settings().runs_hold_expiry
    assert not Settings(environment="test").runs_hold_expiry
    assert Settings(environment="test", hold_expiry=True).runs_hold_expiry


def test_the_warning_goes_out_once_to_provider_and_requester(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    reservation = hold_free_bed(session, make_request, one_free_bed)
    requester = reservation.request.referrer_organisation_id
    system = user_actor(session, "coordinator")
    early = reservation.held_until - timedelta(minutes=10)
    assert service.expire_due(session, system, now=early) == 0
    assert not _notes(session, "reservation.expiring", requester)
    soon = reservation.held_until - timedelta(minutes=4)
    for _ in range(3):
        assert service.expire_due(session, system, now=soon) == 0
    session.flush()
    to_provider = [n for n in _notes(session, "reservation.expiring", reservation.organisation_id)
                   if n.link == f"/placement/incoming#reservation-{reservation.id}"]
    to_requester = [n for n in _notes(session, "reservation.expiring", requester)
                    if n.link == f"/placement/requests/{reservation.request_id}"]
    assert len(to_provider) == 1
    assert len(to_requester) == 1
    assert reservation.status is ReservationStatus.HELD


def test_an_expired_hold_is_released_once_with_one_history_row_and_both_told(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    before = _held(session, one_free_bed)
    reservation = hold_free_bed(session, make_request, one_free_bed)
    requester = reservation.request.referrer_organisation_id
    system = user_actor(session, "coordinator")
    later = reservation.held_until + timedelta(seconds=1)
    assert service.expire_due(session, system, now=later) == 1
    assert service.expire_due(session, system, now=later) == 0
    session.flush()
    assert _held(session, one_free_bed) == before
    assert reservation.status is ReservationStatus.EXPIRED
    assert reservation.request.status is RequestStatus.OPEN
    rows = session.scalar(select(func.count()).select_from(StatusChange).where(
        StatusChange.reservation_id == reservation.id,
        StatusChange.to_status == "reservation expired"))
    assert rows == 1
    assert len([n for n in _notes(session, "reservation.expired", requester)
                if n.link == f"/placement/requests/{reservation.request_id}"]) == 1
    assert len(_notes(session, "reservation.expired", reservation.organisation_id)) >= 1


def test_an_accept_that_meets_an_ended_hold_is_a_conflict_and_changes_nothing(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    """The provider's accept read the hold as held, but another process ended it meanwhile:
    the status compare-and-set refuses, the bed is not filled and the patient not placed."""
    reservation = hold_free_bed(session, make_request, one_free_bed)
    session.flush()
    held = _held(session, one_free_bed)
    assert reservation.status is ReservationStatus.HELD  # loaded again after expire_all
    # Another process's expiry, behind this session's back (its objects keep the old view).
    session.execute(update(Reservation).where(Reservation.id == reservation.id)
                    .values(status=ReservationStatus.EXPIRED)
                    .execution_options(synchronize_session=False))
    with pytest.raises(Conflict):
        service.accept(session, user_actor(session, "provider"), reservation.id,
                       now=reservation.held_until - timedelta(seconds=1))
    assert _held(session, one_free_bed) == held
    assert reservation.request.status is RequestStatus.RESERVED


def test_a_request_made_for_another_organisation_tells_that_organisation(
    session: Session, one_free_bed: UnitBedType,
) -> None:
    coordinator = user_actor(session, "coordinator")
    referrer = user_actor(session, "referrer")
    assert referrer.organisation_id != coordinator.organisation_id
    request = service.create_request(session, coordinator, request_in(
        one_free_bed.bed_type_code, referrer_organisation_id=referrer.organisation_id))
    reservation = service.reserve(session, coordinator, request.id, one_free_bed.unit_id,
                                  one_free_bed.bed_type_code, now=utcnow())
    assert referrer.organisation_id is not None
    service.expire_due(session, coordinator, now=reservation.held_until)
    session.flush()
    assert [n.params for n in _notes(session, "reservation.expired", referrer.organisation_id)
            if n.link == f"/placement/requests/{request.id}"]


def test_the_command_runs_one_expiry_round(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERKEERSTOREN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VERKEERSTOREN_ENVIRONMENT", "test")
    result = CliRunner().invoke(main, ["expire-holds"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Holds: \d+ released after expiry, \d+ warned\.", result.output)
