"""Issue 14 on the placement pages: a request from only what matching needs, the rest later;
the duplicate message links to the open request in Dutch; lists found by number or pseudonym
and paged; a hold released without closing the request; the home pages' one-click actions."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.placement.conftest import hold_free_bed, user_actor
from verkeerstoren.capacity.models import BedState
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    ReservationStatus,
)
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage.base import utcnow

# What the issue says matching needs: bed type, postcode area and start; urgency and financing
# are the form's defaults (selects with a value chosen), sent as a browser sends them.
QUICK = {"bed_types": "short_stay_low", "postcode_area": "2712", "urgency": "today",
         "financing": "zvw", "pseudonym": "", "referrer_name": "", "birth_year": "", "sex": "",
         "care_needs": "", "medically_discharged_on": "", "preferred_gemeenten": ""}


def _created(session: Session, answer_location: str) -> PlacementRequest:
    match = re.fullmatch(r"/placement/requests/(\d+)", answer_location)
    assert match, answer_location
    found = session.get(PlacementRequest, int(match.group(1)))
    assert found is not None
    return found


def _stored_details(session: Session, request_id: int) -> tuple[object, ...]:
    session.expire_all()
    return tuple(session.execute(
        select(PlacementRequest.birth_year, PlacementRequest.sex, PlacementRequest.referrer_name)
        .where(PlacementRequest.id == request_id)).one())


def test_a_request_from_bed_type_postcode_and_start_then_details_later(
    login: Callable[[str], Browser], session: Session,
) -> None:
    coordinator = login("coordinator")
    home = unescape(coordinator.get("/").text)
    assert 'href="/placement/new"' in home
    assert "Nieuw verzoek" in home
    form = coordinator.get("/placement/new").text
    assert f'name="wanted_start" value="{utcnow().date().isoformat()}"' in form
    assert '<option value="today" selected>' in form
    answer = coordinator.post("/placement/new", data={
        "csrf_token": coordinator.csrf, **QUICK, "wanted_start": utcnow().date().isoformat()},
        follow_redirects=False)
    assert answer.status_code == 303, answer.text
    created = _created(session, answer.headers["location"])
    assert created.birth_year is None
    assert created.sex is None
    assert created.referrer_name is None
    assert created.pseudonym is not None
    assert re.fullmatch(r"[A-Za-z0-9_-]{6,64}", created.pseudonym)  # the schema's own rule
    page = unescape(coordinator.get(f"/placement/requests/{created.id}").text)
    assert "leeftijd nog niet opgegeven" in page
    assert created.pseudonym in page
    assert re.search(r'<details class="card details-later" open id="details">', page)

    # A BSN in the care needs is refused and what was typed comes back.
    refused = coordinator.post(f"/placement/requests/{created.id}/details", data={
        "csrf_token": coordinator.csrf, "birth_year": "1939", "referrer_name": "Dr. Later",
        "care_needs": "BSN 111222333", "sex": "", "medically_discharged_on": ""})
    assert refused.status_code == 422
    assert 'value="Dr. Later"' in refused.text
    assert "BSN 111222333" in refused.text
    assert _stored_details(session, created.id) == (None, None, None)
    saved = coordinator.post(f"/placement/requests/{created.id}/details", data={
        "csrf_token": coordinator.csrf, "birth_year": "1939", "referrer_name": "Dr. Later",
        "care_needs": "", "sex": "f", "medically_discharged_on": ""}, follow_redirects=False)
    assert saved.status_code == 303
    assert _stored_details(session, created.id) == (1939, "f", "Dr. Later")


def test_a_duplicate_links_to_the_open_request_in_dutch(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest],
) -> None:
    existing = make_request("short_stay_low", pseudonym="dubbel-episode-1")
    coordinator = login("coordinator")
    answer = coordinator.post("/placement/new", data={
        "csrf_token": coordinator.csrf, **QUICK, "pseudonym": "dubbel-episode-1",
        "wanted_start": utcnow().date().isoformat()})
    assert answer.status_code == 409
    text = unescape(answer.text)
    assert "Er loopt al een verzoek voor dit pseudoniem." in text
    assert f'<a href="/placement/requests/{existing.id}">Open verzoek {existing.id}</a>' in text
    assert "for this pseudonym is still open" not in text
    assert 'value="dubbel-episode-1"' in text  # what was typed stays


def test_queue_and_my_requests_find_by_number_or_pseudonym(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest],
) -> None:
    wanted = make_request("short_stay_low", pseudonym="zoek-mij-123")
    other = make_request("short_stay_low", pseudonym="iemand-anders-9")
    coordinator = login("coordinator")
    for path in ("/placement", "/placement/mine"):
        by_part = coordinator.get(path, params={"q": "zoek-mij"}).text
        assert f'href="/placement/requests/{wanted.id}"' in by_part
        assert f'href="/placement/requests/{other.id}"' not in by_part
        by_number = coordinator.get(path, params={"q": f"#{wanted.id}"}).text
        assert f'href="/placement/requests/{wanted.id}"' in by_number
        assert "zoek-mij-123" in by_number
    # "%" and "_" are searched as themselves, not as SQL wildcards.
    assert "zoek-mij-123" not in coordinator.get("/placement/mine", params={"q": "%"}).text
    closed = coordinator.get("/placement/mine", params={"status": "placed"}).text
    assert f'href="/placement/requests/{wanted.id}"' not in closed


def test_my_requests_page_in_pages_of_25(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest],
) -> None:
    for _ in range(30):
        make_request("short_stay_low")
    coordinator = login("coordinator")
    first = coordinator.get("/placement/mine").text
    assert len(re.findall(r'<td><a href="/placement/requests/\d+">', first)) == 25
    assert 'data-testid="more-requests"' in first
    second = coordinator.get("/placement/mine", params={"offset": "25"}).text
    assert re.findall(r'<td><a href="/placement/requests/\d+">', second)


def test_a_released_hold_frees_the_bed_and_keeps_the_request_open(
    login: Callable[[str], Browser], session: Session, one_free_bed: UnitBedType,
    make_request: Callable[..., PlacementRequest],
) -> None:
    reservation = hold_free_bed(session, make_request, one_free_bed)
    session.flush()
    key = (one_free_bed.unit_id, one_free_bed.bed_type_code)
    state = session.scalars(select(BedState).where(BedState.unit_id == key[0],
                                                   BedState.bed_type_code == key[1])).one()
    held_before = state.held
    coordinator = login("coordinator")
    page = coordinator.get(f"/placement/requests/{reservation.request_id}").text
    assert 'data-testid="release-hold"' in page
    assert 'data-label="nog {time} vastgehouden"' in page  # the countdown says what it is
    answer = coordinator.post(
        f"/placement/requests/{reservation.request_id}/release/{reservation.id}",
        data={"csrf_token": coordinator.csrf}, follow_redirects=False)
    assert answer.status_code == 303
    session.refresh(reservation)
    session.refresh(state)
    request = session.get(PlacementRequest, reservation.request_id)
    assert request is not None
    session.refresh(request)
    assert reservation.status is ReservationStatus.CANCELLED
    assert request.status is RequestStatus.OPEN
    assert state.held == held_before - 1
    again = coordinator.post(
        f"/placement/requests/{reservation.request_id}/release/{reservation.id}",
        data={"csrf_token": coordinator.csrf})
    assert again.status_code == 409


def test_the_provider_confirms_every_unit_from_the_home_page(
    login: Callable[[str], Browser], session: Session,
) -> None:
    provider = login("provider")
    org = user_actor(session, "provider").organisation_id
    reported = session.scalars(
        select(BedState).join(CareUnit, CareUnit.id == BedState.unit_id)
        .where(BedState.organisation_id == org, BedState.report_id.is_not(None),
               CareUnit.active.is_(True))).all()
    home = provider.get("/").text
    form = re.search(r'<form method="post" action="/capacity/report/unchanged".*?</form>',
                     home, re.S)
    assert form, "the home page has the one-tap form"
    shown = re.findall(r'name="shown" value="([^"]+)"', form.group(0))
    assert sorted(shown) == sorted(f"{s.unit_id}:{s.bed_type_code}:{s.report_id}"
                                   for s in reported)
    answer = provider.post("/capacity/report/unchanged",
                           data={"csrf_token": provider.csrf, "shown": shown},
                           follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/capacity/report?confirmed={len(reported)}"


def test_a_provider_undoes_her_last_report_within_two_minutes(
    login: Callable[[str], Browser], session: Session, one_free_bed: UnitBedType,
) -> None:
    provider = login("provider")
    key = {"unit_id": str(one_free_bed.unit_id), "bed_type_code": one_free_bed.bed_type_code}
    state = session.scalars(select(BedState).where(
        BedState.unit_id == one_free_bed.unit_id,
        BedState.bed_type_code == one_free_bed.bed_type_code)).one()
    before = (state.staffed, state.occupied, state.blocked)
    saved = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, **key, "staffed": str(before[0]),
        "occupied": str(before[0] - before[2] - state.held), "blocked": str(before[2])},
        follow_redirects=False)
    assert saved.status_code == 303
    page = provider.get(saved.headers["location"]).text
    undone_id = re.search(r'name="report_id" value="(\d+)"></form>', page)
    assert undone_id, "the saved card offers an undo"
    assert "Melding terugdraaien" in page
    answer = provider.post("/capacity/report/undo", data={
        "csrf_token": provider.csrf, "report_id": undone_id.group(1)}, follow_redirects=False)
    assert answer.status_code == 303
    session.expire_all()
    assert (state.staffed, state.occupied, state.blocked) == before
    # Undoing again: the undone report is no longer the last one.
    again = provider.post("/capacity/report/undo", data={
        "csrf_token": provider.csrf, "report_id": undone_id.group(1)})
    assert again.status_code == 409
    assert "latere melding" in unescape(again.text)
    # Someone else's report is not hers to undo.
    elsewhere = login("provider2")
    other = elsewhere.post("/capacity/report/undo", data={
        "csrf_token": elsewhere.csrf, "report_id": str(state.report_id)})
    assert other.status_code == 409
    session.expire_all()
    assert (state.staffed, state.occupied, state.blocked) == before
