"""The placement life cycle through the API and pages: request → hold → accept/decline → placed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.placement.conftest import hold_free_bed, request_in, user_actor
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.capacity.models import BedState
from verkeerstoren.errors import Conflict
from verkeerstoren.placement import service
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    ReservationStatus,
    UnplacedReason,
)
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage.base import utcnow


def _state(session: Session, ubt: UnitBedType) -> BedState:
    session.expire_all()
    state = session.get(BedState, (ubt.unit_id, ubt.bed_type_code))
    assert state is not None
    return state


def _body(bed_type: str, **extra: object) -> dict[str, object]:
    return request_in(bed_type, **extra).model_dump(mode="json")


def test_a_coordinator_reserves_and_the_provider_accepts(
    login: Callable[[str], Browser], session: Session, one_free_bed: UnitBedType
) -> None:
    coordinator = login("coordinator")
    created = coordinator.post("/api/v1/placement/requests",
                               json=_body(one_free_bed.bed_type_code))
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    options = coordinator.get(f"/api/v1/placement/requests/{request_id}/options").json()
    assert any(o["unit_id"] == one_free_bed.unit_id for o in options["options"])
    assert all(o["why"] for o in options["options"])
    before = _state(session, one_free_bed)
    occupied, held = before.occupied, before.held
    held_answer = coordinator.post(f"/api/v1/placement/requests/{request_id}/reservations",
                                   json={"unit_id": one_free_bed.unit_id,
                                         "bed_type_code": one_free_bed.bed_type_code})
    assert held_answer.status_code == 201, held_answer.text
    assert _state(session, one_free_bed).held == held + 1
    reservation_id = held_answer.json()["id"]
    provider = login("provider")
    incoming = provider.get("/api/v1/placement/reservations").json()
    assert reservation_id in [r["id"] for r in incoming]
    accepted = provider.post(f"/api/v1/placement/reservations/{reservation_id}/accept", json={})
    assert accepted.status_code == 200, accepted.text
    after = _state(session, one_free_bed)
    assert (after.occupied, after.held) == (occupied + 1, held)
    placed = session.get(PlacementRequest, request_id)
    assert placed is not None
    assert placed.status is RequestStatus.PLACED


def test_the_second_reservation_for_the_last_bed_gets_409_and_a_dutch_page(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest],
    one_free_bed: UnitBedType,
) -> None:
    first = make_request(one_free_bed.bed_type_code)
    second = make_request(one_free_bed.bed_type_code)
    coordinator = login("coordinator")
    body = {"unit_id": one_free_bed.unit_id, "bed_type_code": one_free_bed.bed_type_code}
    ok = coordinator.post(f"/api/v1/placement/requests/{first.id}/reservations", json=body)
    assert ok.status_code == 201
    refused = coordinator.post(f"/api/v1/placement/requests/{second.id}/reservations", json=body)
    assert refused.status_code == 409
    page = coordinator.post(f"/placement/requests/{second.id}/reserve",
                            data={**{k: str(v) for k, v in body.items()},
                                  "csrf_token": coordinator.csrf})
    assert page.status_code == 409
    assert "Iemand anders heeft dit bed net genomen" in page.text


def test_a_provider_cannot_answer_another_organisations_reservation(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    reservation = hold_free_bed(session, make_request, one_free_bed)
    session.flush()
    other = login("provider2")
    answer = other.post(f"/api/v1/placement/reservations/{reservation.id}/accept", json={})
    assert answer.status_code == 404
    session.expire_all()
    assert reservation.status is ReservationStatus.HELD


def test_a_declined_hold_releases_the_bed_and_reopens_the_request(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    before = _state(session, one_free_bed).held
    reservation = service.reserve(session, user_actor(session, "coordinator"), request.id,
                                  one_free_bed.unit_id, one_free_bed.bed_type_code)
    service.decline(session, user_actor(session, "provider"), reservation.id, "Geen personeel")
    session.flush()
    assert _state(session, one_free_bed).held == before
    assert request.status is RequestStatus.OPEN


def test_an_expired_hold_releases_the_bed_and_cannot_be_accepted(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    coordinator = user_actor(session, "coordinator")
    now = utcnow()
    reservation = service.reserve(session, coordinator, request.id, one_free_bed.unit_id,
                                  one_free_bed.bed_type_code, now=now)
    later = now + timedelta(minutes=31)
    with pytest.raises(Conflict):
        service.accept(session, user_actor(session, "provider"), reservation.id, now=later)
    assert service.expire_due(session, coordinator, now=later) == 1
    session.flush()
    assert reservation.status is ReservationStatus.EXPIRED
    assert _state(session, one_free_bed).held == 0


def test_a_second_live_request_for_the_same_pseudonym_is_refused(
    login: Callable[[str], Browser], one_free_bed: UnitBedType
) -> None:
    coordinator = login("coordinator")
    body = _body(one_free_bed.bed_type_code)
    assert coordinator.post("/api/v1/placement/requests", json=body).status_code == 201
    assert coordinator.post("/api/v1/placement/requests", json=body).status_code == 409


@pytest.mark.parametrize("extra", [{"name": "Jan Jansen"}, {"bsn": "111222333"}])
def test_patient_identifying_fields_are_refused(login: Callable[[str], Browser],
                                                extra: dict[str, str]) -> None:
    body = {**_body("short_stay_high"), **extra}
    answer = login("coordinator").post("/api/v1/placement/requests", json=body)
    assert answer.status_code == 422


def test_a_bsn_in_free_text_is_refused(login: Callable[[str], Browser]) -> None:
    body = {**_body("short_stay_high"), "care_needs": "BSN 111222333, zuurstof"}
    answer = login("coordinator").post("/api/v1/placement/requests", json=body)
    assert answer.status_code == 422
    assert "BSN" in answer.text


def test_every_read_of_a_request_is_audited(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest],
) -> None:
    request = make_request("short_stay_high")
    before = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "read", AuditEntry.entity == "placement_request")) or 0
    login("coordinator").get(f"/api/v1/placement/requests/{request.id}")
    after = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "read", AuditEntry.entity == "placement_request")) or 0
    assert after == before + 1


def test_a_referrer_sees_only_its_own_requests(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest]
) -> None:
    other = make_request("short_stay_high")
    referrer = login("referrer")
    assert referrer.get(f"/api/v1/placement/requests/{other.id}").status_code == 404
    mine = referrer.post("/api/v1/placement/requests", json=_body("short_stay_high"))
    assert mine.status_code == 201
    ids = [r["id"] for r in referrer.get("/api/v1/placement/requests").json()]
    assert mine.json()["id"] in ids
    assert other.id not in ids


def test_an_unplaced_request_keeps_a_snapshot_and_is_counted(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest],
) -> None:
    request = make_request("short_stay_palliative", medically_discharged_on=(
        utcnow().date() - timedelta(days=3)).isoformat())
    coordinator = login("coordinator")
    closed = coordinator.post(f"/api/v1/placement/requests/{request.id}/unplaced",
                              json={"reason": "no_bed_of_type", "note": "Alles vol"})
    assert closed.status_code == 200, closed.text
    session.expire_all()
    assert request.unplaced_reason is UnplacedReason.NO_BED_OF_TYPE
    assert request.unplaced_snapshot
    analysis = coordinator.get("/api/v1/placement/unplaced").json()
    assert {"key": "no_bed_of_type", "count": 1} in analysis["by_reason"] or any(
        c["key"] == "no_bed_of_type" for c in analysis["by_reason"])
    assert any(d["bed_type_code"] == "short_stay_palliative" for d in analysis["unmet_demand"])
    assert analysis["wrong_bed_days"] >= 3
    page = coordinator.get("/placement/unplaced")
    assert "Welk bedtype ontbreekt waar" in page.text


def test_the_work_queue_and_request_pages_render_in_dutch(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest]
) -> None:
    request = make_request("short_stay_high")
    coordinator = login("coordinator")
    assert "Werkvoorraad" in coordinator.get("/placement").text
    page = coordinator.get(f"/placement/requests/{request.id}")
    assert page.status_code == 200
    assert "Opties" in page.text
    assert login("provider").get("/placement/incoming").status_code == 200


def test_options_come_in_pages_and_exclusions_are_counted_then_listed_on_demand(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest]
) -> None:
    request = make_request("short_stay_high", features=["oxygen"])
    coordinator = login("coordinator")
    base = f"/api/v1/placement/requests/{request.id}"
    first = coordinator.get(f"{base}/options?limit=2").json()
    assert first["considered"] == first["total"] + first["excluded_total"]
    assert len(first["options"]) == min(2, first["total"])
    assert all(o["why"] for o in first["options"])
    counts = {c["rule"]: c["count"] for c in first["excluded_by_rule"]}
    assert counts, "the demo has units without oxygen or without a fresh free bed"
    assert sum(counts.values()) >= first["excluded_total"]
    rule, count = next(iter(counts.items()))
    listed = coordinator.get(f"{base}/excluded?rule={rule}&limit=200").json()
    assert listed["total"] == count
    assert len(listed["excluded"]) == min(count, 200)
    assert all(rule in {_rule_of(r["message"]) for r in e["why"]} for e in listed["excluded"])
    every = coordinator.get(f"{base}/excluded?limit=200").json()
    assert every["total"] == first["excluded_total"]
    if first["total"] > 2:
        second = coordinator.get(f"{base}/options?limit=2&offset=2").json()
        firsts = {(o["unit_id"], o["bed_type_code"]) for o in first["options"]}
        assert not firsts & {(o["unit_id"], o["bed_type_code"]) for o in second["options"]}
        assert second["options"][0]["score"] <= first["options"][-1]["score"]

    page = coordinator.get(f"/placement/requests/{request.id}")
    assert "Uitgesloten afdelingen" in page.text
    assert "Toon ze, dichtstbijzijnde eerst" in page.text
    excluded_page = coordinator.get(f"/placement/requests/{request.id}/excluded?rule={rule}")
    assert excluded_page.status_code == 200
    assert "Waarom uitgesloten" in excluded_page.text
    # Hand-edited addresses: the first page, not an error.
    assert coordinator.get(f"/placement/requests/{request.id}/excluded?rule=nonsense"
                           "&offset=-3").status_code == 200
    assert coordinator.get(f"/placement/requests/{request.id}?offset=abc").status_code == 200


def _rule_of(message: str) -> str:
    return {"lacks: {features}": "features", "report is out of date": "stale",
            "no free bed": "no_free_bed", "not a requested bed type": "bed_type",
            "{financing} does not pay for this bed type": "financing"}[message]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "offset=-1", "rule=nonsense",
                                   "limit=abc", "offset=99999999999"])
def test_odd_paging_input_is_a_clear_422(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest], query: str
) -> None:
    request = make_request("short_stay_high")
    coordinator = login("coordinator")
    for what in ("options", "excluded"):
        answer = coordinator.get(f"/api/v1/placement/requests/{request.id}/{what}?{query}")
        if what == "options" and query.startswith("rule="):
            assert answer.status_code == 200  # options take no rule; unknown parameters pass
        else:
            assert answer.status_code == 422, (what, query, answer.text)


def test_the_first_options_page_ends_where_the_second_begins(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest]
) -> None:
    request = make_request("short_stay_low")
    coordinator = login("coordinator")
    base = f"/api/v1/placement/requests/{request.id}/options"
    whole = coordinator.get(f"{base}?limit=200").json()
    assert whole["total"] > 3, "the demo has a few options for this request"
    paged = [o for offset in range(0, min(whole["total"], 200), 3)
             for o in coordinator.get(f"{base}?limit=3&offset={offset}").json()["options"]]
    # Scores shift a little between calls (reports age); the order does not.
    assert [(o["unit_id"], o["bed_type_code"]) for o in paged[:200]] == [
        (o["unit_id"], o["bed_type_code"]) for o in whole["options"]]


def test_a_withdrawn_hold_tells_the_provider_the_patient_is_not_coming(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    from verkeerstoren.notifications.models import Notification

    request = make_request(one_free_bed.bed_type_code)
    reservation = service.reserve(session, user_actor(session, "coordinator"), request.id,
                                  one_free_bed.unit_id, one_free_bed.bed_type_code)
    service.cancel(session, user_actor(session, "coordinator"), reservation.id,
                   "familie koos een andere plek")
    session.flush()
    mine = list(session.scalars(select(Notification).where(
        Notification.organisation_id == reservation.organisation_id)
        .order_by(Notification.id.desc()).limit(2)))
    withdrawn, new = mine
    assert withdrawn.event == "reservation.cancelled"
    assert withdrawn.read_at is None
    assert withdrawn.params is not None
    assert withdrawn.params["reason"] == "familie koos een andere plek"
    # The request for an answer it superseded is read.
    assert new.event == "reservation.new"
    assert new.read_at is not None
