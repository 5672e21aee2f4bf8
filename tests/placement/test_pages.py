"""What nurses, coordinators and GPs read on the placement pages: Dutch, names, no codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape

import pytest
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.placement.conftest import user_actor
from verkeerstoren import validation
from verkeerstoren.placement import display, service
from verkeerstoren.placement.models import PlacementRequest, UnplacedReason
from verkeerstoren.placement.schemas import RequestIn
from verkeerstoren.registry.models import BedType, Feature, UnitBedType
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.i18n import catalogue

ENGLISH_PYDANTIC = re.compile(r"Input should|List should|Field required|should have at least")


def _bed_type_name(session: Session, code: str) -> str:
    found = session.get(BedType, code)
    assert found is not None
    return found.name


class _Odd(BaseModel):
    value: complex


class _Sample(BaseModel):
    text: str
    whole: int = Field(ge=1, le=10)
    codes: list[str] = Field(min_length=1, max_length=2)


@pytest.mark.parametrize(("value", "kind", "dutch"), [
    ({"whole": 1, "codes": ["a"]}, "missing", "dit veld is verplicht"),
    ({"text": None, "whole": 1, "codes": ["a"]}, "string_type", "moet tekst zijn"),
    ({"text": "x", "whole": None, "codes": ["a"]}, "int_type", "geen geheel getal"),
    ({"text": "x", "whole": "abc", "codes": ["a"]}, "int_parsing", "geen geheel getal"),
    ({"text": "x", "whole": 1, "codes": []}, "too_short", "kies er minstens 1"),
    ({"text": "x", "whole": 1, "codes": ["a", "b", "c"]}, "too_long", "te veel (hoogstens 2)"),
    ({"text": "x", "whole": 1, "codes": "a"}, "list_type", "moet een lijst zijn"),
    ({"text": "x", "whole": 11, "codes": ["a"]}, "less_than_equal", "mag hoogstens 10 zijn"),
])
def test_common_pydantic_errors_read_in_dutch(value: dict[str, object], kind: str,
                                              dutch: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Sample.model_validate(value)
    assert caught.value.errors()[0]["type"] == kind
    problem = validation.problems(caught.value)[0]
    nl = catalogue("nl")
    assert problem.message in nl, problem.message
    assert nl[problem.message].format(**problem.params) == dutch


def test_every_validation_message_has_dutch_text_and_unknown_types_get_a_dutch_fallback() -> None:
    nl = catalogue("nl")
    msgids = {message for message, _ in validation.MESSAGES.values()} | {validation.FALLBACK}
    assert not sorted(m for m in msgids if m not in nl)
    with pytest.raises(ValidationError) as caught:
        _Odd.model_validate({"value": []})  # complex_type: not in MESSAGES
    problem = validation.problems(caught.value)[0]
    assert problem.message == validation.FALLBACK


def test_the_request_schemas_own_messages_have_dutch_text() -> None:
    nl = catalogue("nl")
    for bad in ({"pseudonym": "a b"}, {"pseudonym": "111222333"},
                {"care_needs": "BSN 111222333"}, {"bed_types": [""]},
                {"medically_discharged_on": (utcnow().date() + timedelta(days=9)).isoformat()}):
        body = {"pseudonym": "episode-1", "birth_year": 1940, "sex": "f",
                "postcode_area": 2712, "referrer_name": "Dr. X",
                "bed_types": ["short_stay_high"], "wanted_start": utcnow().date().isoformat(),
                "financing": "zvw", "urgency": "today", **bad}
        with pytest.raises(ValidationError) as caught:
            RequestIn.model_validate(body)
        for problem in validation.problems(caught.value):
            assert problem.message in nl, problem.message


def test_an_empty_new_request_form_answers_in_dutch(login: Callable[[str], Browser]) -> None:
    coordinator = login("coordinator")
    form = coordinator.get("/placement/new").text
    assert 'data-require-one="Kies minstens één bedtype."' in form
    assert '<script src="/static/require-one.js" defer></script>' in form
    assert coordinator.get("/static/require-one.js").status_code == 200
    answer = coordinator.post("/placement/new", data={
        "csrf_token": coordinator.csrf, "pseudonym": "", "referrer_name": "", "birth_year": "",
        "postcode_area": "", "sex": "f", "financing": "zvw", "urgency": "today",
        "wanted_start": ""})
    assert answer.status_code == 422
    assert not ENGLISH_PYDANTIC.search(answer.text), ENGLISH_PYDANTIC.search(answer.text)
    assert "dit veld is verplicht" in answer.text
    assert "kies er minstens 1" in answer.text
    wrong = coordinator.post("/placement/new", data={
        "csrf_token": coordinator.csrf, "pseudonym": "episode-x1", "referrer_name": "Dr. X",
        "birth_year": "negentien", "postcode_area": "2712", "sex": "f", "financing": "zvw",
        "urgency": "today", "wanted_start": "morgen", "bed_types": "short_stay_high"})
    assert wrong.status_code == 422
    assert not ENGLISH_PYDANTIC.search(wrong.text)
    assert "geen geheel getal" in wrong.text
    assert "geen datum (gebruik JJJJ-MM-DD)" in wrong.text or "geen datum" in wrong.text


def test_queue_mine_and_request_pages_show_names_not_codes(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest],
) -> None:
    name = _bed_type_name(session, "short_stay_high")
    request = make_request("short_stay_high", sex="m")
    coordinator = login("coordinator")
    queue = coordinator.get("/placement").text
    assert f'<span class="tag">{unescape(name)}</span>' in unescape(queue)
    assert '<span class="tag">short_stay_high</span>' not in queue
    assert "· m ·" not in queue
    assert "· man ·" in queue
    assert not re.search(r"\d\.\d km", queue), "distances use the Dutch decimal comma"

    page = coordinator.get(f"/placement/requests/{request.id}").text
    assert f"Bedtypen: {name}" in unescape(page)
    assert "Bedtypen: short_stay_high" not in page
    assert ">short_stay_high<" not in page
    assert not re.search(r"\d\.\d km", page)

    referrer = login("referrer")
    mine_request = referrer.post("/api/v1/placement/requests", json={
        "pseudonym": "mine-episode-01", "birth_year": 1938, "sex": "f", "postcode_area": 2712,
        "referrer_name": "Dr. Huisarts", "bed_types": ["short_stay_high", "short_stay_low"],
        "wanted_start": utcnow().date().isoformat(), "financing": "zvw", "urgency": "today"})
    assert mine_request.status_code == 201, mine_request.text
    mine = unescape(referrer.get("/placement/mine").text)
    low = _bed_type_name(session, "short_stay_low")
    assert f"{name}, {low}" in mine or f"{low}, {name}" in mine
    assert "short_stay" not in mine
    assert "· vrouw ·" in mine
    assert "· f ·" not in mine


def test_the_excluded_list_names_features(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest],
) -> None:
    feature = session.get(Feature, "dementia_closed")
    assert feature is not None
    request = make_request("short_stay_high", features=["dementia_closed"])
    page = login("coordinator").get(
        f"/placement/requests/{request.id}/excluded?rule=features").text
    assert f"mist: {feature.name}" in unescape(page)
    assert "dementia_closed" not in page
    assert ">short_stay_high<" not in page
    assert not re.search(r">\d+\.\d<", page), "distances use the Dutch decimal comma"


def test_incoming_reservations_show_the_bed_type_name(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    service.reserve(session, user_actor(session, "coordinator"), request.id,
                    one_free_bed.unit_id, one_free_bed.bed_type_code)
    session.flush()
    page = unescape(login("provider").get("/placement/incoming").text)
    name = _bed_type_name(session, one_free_bed.bed_type_code)
    assert f"· {name} <span" in page
    assert f"· {one_free_bed.bed_type_code} <span" not in page


def test_the_history_reads_in_dutch(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    coordinator_actor = user_actor(session, "coordinator")
    now = utcnow()
    first = service.reserve(session, coordinator_actor, request.id, one_free_bed.unit_id,
                            one_free_bed.bed_type_code, now=now)
    service.decline(session, user_actor(session, "provider"), first.id, "Geen personeel")
    service.reserve(session, coordinator_actor, request.id, one_free_bed.unit_id,
                    one_free_bed.bed_type_code, now=now)
    service.expire_due(session, coordinator_actor, now=now + timedelta(hours=2))
    session.flush()
    coordinator = login("coordinator")
    closed = coordinator.post(f"/placement/requests/{request.id}/close", data={
        "csrf_token": coordinator.csrf, "action": "unplaced",
        "reason": UnplacedReason.NO_BED_OF_TYPE.value, "note": "Alles vol"})
    assert closed.status_code in (200, 303), closed.text
    page = unescape(coordinator.get(f"/placement/requests/{request.id}").text)
    history = page[page.index("Geschiedenis"):]
    assert "reservering afgewezen: Geen personeel" in history
    assert "reservering verlopen: reserveringstermijn verlopen" in history
    assert "— bed gereserveerd:" in history
    assert "— niet geplaatst: geen bed van dit type: Alles vol" in history
    for english in ("reservation ", "reserved", "hold expired", "no_bed_of_type", "unplaced"):
        assert english not in history, english


def test_closing_and_cancelling_ask_for_confirmation(
    login: Callable[[str], Browser], make_request: Callable[..., PlacementRequest],
) -> None:
    request = make_request("short_stay_high")
    page = unescape(login("coordinator").get(f"/placement/requests/{request.id}").text)
    assert re.search(r'value="unplaced" data-confirm="Dit verzoek sluiten als niet geplaatst\?',
                     page)
    assert re.search(r'value="cancel" data-confirm="Dit verzoek annuleren\?', page)
    assert '<script src="/static/app.js" defer></script>' in page  # handles data-confirm


def test_dutch_numbers() -> None:
    assert display.number(11.06) == "11,1"
    assert display.number(26.0) == "26,0"
    assert display.number(1234.56) == "1.234,6"
    assert display.number(87.4, 0) == "87"
    assert display.number(None) == "—"


def test_the_unplaced_page_uses_decimal_commas_and_exports_its_period(
    login: Callable[[str], Browser], session: Session,
    make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    request = make_request(one_free_bed.bed_type_code)
    reservation = service.reserve(session, user_actor(session, "coordinator"), request.id,
                                  one_free_bed.unit_id, one_free_bed.bed_type_code)
    service.accept(session, user_actor(session, "provider"), reservation.id)
    session.flush()
    coordinator = login("coordinator")
    page = coordinator.get("/placement/unplaced?days=30").text
    figures = re.findall(r'<div class="total[^"]*"><strong>([^<]*)</strong>', page)
    median, p90 = figures[6], figures[7]
    assert median != "—", "a request was placed, so there is a median"
    assert all("." not in f for f in figures), figures
    assert re.fullmatch(r"\d+,\d", median)
    assert re.fullmatch(r"\d+,\d", p90)
    # People get no raw JSON button; the API still exports any period.
    assert "/api/v1/placement/unplaced" not in page
    assert "unplaced-json" not in page
    today = utcnow().date()
    start = today - timedelta(days=30)
    exported = coordinator.get(f"/api/v1/placement/unplaced?from={start}&to={today}")
    assert exported.status_code == 200
