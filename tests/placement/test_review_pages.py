"""The demo review (2026-11-24): what a provider sees before accepting, telling options apart,
closing without a preset reason, the unplaced page's counts and list, and confirmations."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.placement.conftest import hold_free_bed, user_actor
from verkeerstoren.notifications.models import Notification
from verkeerstoren.placement import service
from verkeerstoren.placement.models import PlacementRequest, RequestStatus, UnplacedReason
from verkeerstoren.registry.models import CareUnit, Feature, Organisation, UnitBedType
from verkeerstoren.storage.base import utcnow


def _place(session: Session, unit_id: int) -> str:
    unit = session.get(CareUnit, unit_id)
    assert unit is not None
    return f"{unit.location.name}, {unit.location.gemeente.name}"


def test_the_provider_sees_what_it_needs_to_decide(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    feature = session.get(Feature, "dementia_closed")
    assert feature is not None
    discharged = utcnow().date() - timedelta(days=3)
    request = make_request(one_free_bed.bed_type_code, care_needs="Hulp bij ADL, valrisico",
                           urgency="immediate", financing="wlz",
                           medically_discharged_on=discharged.isoformat())
    request.features = []  # the demo unit need not have the feature; shown as "geen"
    service.reserve(session, user_actor(session, "coordinator"), request.id,
                    one_free_bed.unit_id, one_free_bed.bed_type_code)
    session.flush()
    page = unescape(login("provider").get("/placement/incoming").text)
    card = page[page.index(f'id="reservation-{request.reservations[0].id}"'):]
    card = card[:card.index("</section>")]
    age = utcnow().year - 1942
    assert f"{age} jaar (1942)" in card
    assert "Hulp bij ADL, valrisico" in card
    for label in ("Zorgvraag", "Gevraagd bedtype", "Urgentie", "Financiering", "Verwijzer"):
        assert label in card
    assert "direct (binnen uren)" in card
    assert "financing." not in card
    assert "urgency." not in card
    assert f"sinds {discharged.strftime('%d-%m-%Y')} (3 dagen)" in card
    assert utcnow().date().strftime("%d-%m-%Y") in card  # wanted start
    referrer = session.get(Organisation, request.referrer_organisation_id)
    assert referrer is not None
    assert f"Dr. Test, {referrer.name}" in card
    coordinator = user_actor(session, "coordinator")
    assert f'href="mailto:{coordinator.label}"' in card
    assert _place(session, one_free_bed.unit_id) in card


def test_options_queue_and_holds_name_the_location(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    coordinator = login("coordinator")
    page = unescape(coordinator.get(f"/placement/requests/{request.id}").text)
    options = page[page.index('class="data options"'):page.index("</table>",
                                                                  page.index("data options"))]
    rows = re.findall(r"<small class=\"muted\">([^<]*)</small></td>", options)
    assert rows
    for row in rows:
        # "organisation · location, gemeente"
        assert re.fullmatch(r"[^·]+ · [^,]+, .+", row), row
    service.reserve(session, user_actor(session, "coordinator"), request.id,
                    one_free_bed.unit_id, one_free_bed.bed_type_code)
    session.flush()
    place = _place(session, one_free_bed.unit_id)
    page = unescape(coordinator.get(f"/placement/requests/{request.id}").text)
    assert re.search(r"Bed gereserveerd op .*" + re.escape(place), page)
    queue = unescape(coordinator.get("/placement").text)
    assert re.search(r"gereserveerd bij .*" + re.escape(place), queue)
    assert 'data-label="Beste opties"' in queue  # phones stack the rows as labelled cards


def test_closing_as_unplaced_starts_without_a_reason_and_says_it_withdraws_a_hold(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    coordinator = login("coordinator")
    page = unescape(coordinator.get(f"/placement/requests/{request.id}").text)
    assert '<select name="reason" required><option value="" selected disabled>Kies een reden…' \
        in page
    assert "selected>geen bed van dit type" not in page
    assert 'data-testid="close-cancels-hold"' not in page

    service.reserve(session, user_actor(session, "coordinator"), request.id,
                    one_free_bed.unit_id, one_free_bed.bed_type_code)
    session.flush()
    page = unescape(coordinator.get(f"/placement/requests/{request.id}").text)
    assert 'data-testid="close-cancels-hold"' in page
    assert "de reservering wordt ingetrokken" in page
    assert 'data-confirm="De reservering intrekken en dit verzoek sluiten' in page

    refused = coordinator.post(f"/placement/requests/{request.id}/close", data={
        "csrf_token": coordinator.csrf, "action": "unplaced", "reason": "", "note": ""})
    assert refused.status_code == 422
    assert "kies waarom de patiënt niet geplaatst kan worden" in unescape(refused.text)
    session.refresh(request)
    assert request.status is RequestStatus.RESERVED


def test_the_unplaced_page_counts_every_status_and_lists_the_unplaced(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    make_request(one_free_bed.bed_type_code)  # stays open
    held = make_request(one_free_bed.bed_type_code)
    service.reserve(session, user_actor(session, "coordinator"), held.id,
                    one_free_bed.unit_id, one_free_bed.bed_type_code)
    closed = make_request(one_free_bed.bed_type_code)
    service.close_unplaced(session, user_actor(session, "coordinator"), closed.id,
                           UnplacedReason.NO_BED_IN_AREA, None)
    session.flush()
    today = utcnow().date()
    result = service.analyse(session, today - timedelta(days=30), today, today=today)
    assert min(result.open, result.reserved, result.unplaced) >= 1
    assert (result.open + result.reserved + result.placed + result.unplaced
            + result.cancelled) == result.requests

    page = unescape(login("coordinator").get("/placement/unplaced?days=30").text)
    tiles = dict((label, figure) for figure, label in re.findall(
        r'<div class="total[^"]*"><strong>([^<]*)</strong> <span>([^<]*)</span>', page))
    assert tiles["open"] == str(result.open)
    assert tiles["bed gereserveerd"] == str(result.reserved)
    assert tiles["geannuleerd"] == str(result.cancelled)
    assert '<div class="totals neutral">' in page
    assert '<div class="total bad"><strong>' in page  # unplaced > 0 is not green
    listed = page[page.index('data-testid="unplaced-list"'):]
    assert f'<a href="/placement/requests/{closed.id}">{closed.id}</a>' in listed
    assert "geen bed in de buurt" in listed or "unplaced." not in listed
    assert f'/placement/requests/{held.id}"' not in listed
    # An analyst sees the list (codes, dates, reasons) but may not open a request.
    analyst = unescape(login("analyst").get("/placement/unplaced?days=30").text)
    analyst_list = analyst[analyst.index('data-testid="unplaced-list"'):]
    assert f"<td>{closed.id}</td>" in analyst_list
    assert "/placement/requests/" not in analyst_list


def test_accepting_confirms_and_marks_the_reservation_notifications_read(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    reservation = hold_free_bed(session, make_request, one_free_bed)
    session.commit()
    link = f"/placement/incoming#reservation-{reservation.id}"
    unread = select(Notification.id).where(Notification.link == link,
                                           Notification.read_at.is_(None))
    assert session.scalars(unread).all(), "the provider was notified of the new reservation"
    provider = login("provider")
    answered = provider.post(f"/placement/reservations/{reservation.id}/answer",
                             data={"csrf_token": provider.csrf, "action": "accept"})
    assert answered.status_code in (200, 303)
    page = unescape(provider.get(f"/placement/incoming?answered={reservation.id}").text)
    unit = session.get(CareUnit, one_free_bed.unit_id)
    assert unit is not None
    assert f"Reservering geaccepteerd: patiënt geplaatst in {unit.name}" in page
    session.expire_all()
    assert session.scalars(unread).all() == []
    assert provider.get("/placement/incoming?answered=abc").status_code == 200


def test_declining_confirms_and_marks_the_reservation_notifications_read(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    reservation = hold_free_bed(session, make_request, one_free_bed)
    session.commit()
    unread = select(Notification.id).where(
        Notification.link == f"/placement/incoming#reservation-{reservation.id}",
        Notification.read_at.is_(None))
    assert session.scalars(unread).all()
    provider = login("provider")
    answered = provider.post(f"/placement/reservations/{reservation.id}/answer", data={
        "csrf_token": provider.csrf, "action": "decline", "reason": "Geen personeel"})
    assert answered.status_code in (200, 303)
    page = unescape(provider.get(f"/placement/incoming?answered={reservation.id}").text)
    assert 'data-testid="answered"' in page
    assert "Reservering afgewezen: het bed in" in page
    session.expire_all()
    assert session.scalars(unread).all() == []
