"""Providers report their own organisation's waits by form, API and CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.registry.models import Location, Organisation
from verkeerstoren.waiting_times.models import WaitReport


def own_location(session: Session, organisation: str) -> Location:
    org = session.scalar(select(Organisation).where(Organisation.name.startswith(organisation)))
    assert org is not None
    location = session.scalar(select(Location).where(Location.organisation_id == org.id))
    assert location is not None
    return location


def test_a_provider_reports_a_wait_by_api_and_sees_its_status(
        session: Session, login: Callable[[str], Browser]) -> None:
    location = own_location(session, "Zorggroep Zoetermeer")
    answer = login("provider").post("/api/v1/waits", json={
        "location_id": location.id, "sector": "ouderenzorg", "care_type": "verpleeghuis",
        "treatment_weeks": 8})
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "over"
    assert answer.json()["organisation_id"] == location.organisation_id


def test_a_provider_cannot_report_for_another_organisation(
        session: Session, login: Callable[[str], Browser]) -> None:
    other = own_location(session, "Stadsziekenhuis Zoetermeer")
    browser = login("provider")
    answer = browser.post("/api/v1/waits", json={
        "location_id": other.id, "sector": "msz", "care_type": "polikliniek",
        "intake_weeks": 3})
    assert answer.status_code == 422
    answer = browser.post("/api/v1/waits", json={
        "organisation_id": other.organisation_id, "sector": "msz", "care_type": "x",
        "intake_weeks": 3})
    assert answer.status_code == 403


def test_referrers_and_viewers_may_not_report(login: Callable[[str], Browser]) -> None:
    body = {"sector": "ggz", "care_type": "x", "intake_weeks": 1}
    assert login("referrer").post("/api/v1/waits", json=body).status_code == 403
    assert login("viewer").post("/api/v1/waits", json=body).status_code == 403


def test_bad_report_values_are_refused_not_crashed(login: Callable[[str], Browser]) -> None:
    browser = login("provider")
    for body in ({"sector": "ggz", "care_type": "x"},
                 {"sector": "ggz", "care_type": "x", "intake_weeks": -1},
                 {"sector": "kapper", "care_type": "x", "intake_weeks": 1},
                 {"sector": "ggz", "care_type": "x", "intake_weeks": 1, "extra": 1},
                 {"sector": "ggz", "care_type": "x", "intake_weeks": 1,
                  "measured_on": "2999-01-01"}):
        assert browser.post("/api/v1/waits", json=body).status_code == 422, body


def test_a_csv_is_imported_all_or_nothing_naming_bad_rows(
        session: Session, login: Callable[[str], Browser]) -> None:
    location = own_location(session, "Zorggroep Zoetermeer")
    browser = login("provider")
    good = (f"location_id;sector;care_type;intake_weeks;treatment_weeks;measured_on\n"
            f"{location.id};wijkverpleging;thuiszorg;;2,5;2024-05-01\n"
            f"{location.id};ouderenzorg;verpleeghuis;;5;2024-05-01\n")
    bad = good + f"{location.id};ouderenzorg;verpleeghuis;;-3;2024-05-01\n"
    before = len(list(session.scalars(select(WaitReport))))
    refused = browser.post("/api/v1/waits/import", content=bad,
                           headers={"content-type": "text/csv"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["row"] == 4
    assert len(list(session.scalars(select(WaitReport)))) == before
    accepted = browser.post("/api/v1/waits/import", content=good,
                            headers={"content-type": "text/csv"})
    assert accepted.json() == {"imported": 2}


def test_the_form_saves_a_wait_for_the_own_organisation(
        session: Session, login: Callable[[str], Browser]) -> None:
    location = own_location(session, "Zorggroep Zoetermeer")
    browser = login("provider")
    assert browser.get("/wachttijden/melden").status_code == 200
    answer = browser.post("/wachttijden/melden", data={
        "csrf_token": browser.csrf, "location_id": str(location.id), "sector": "ouderenzorg",
        "care_type": "verpleeghuis", "treatment_weeks": "4,5"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    saved = session.scalar(select(WaitReport).order_by(WaitReport.id.desc()))
    assert saved is not None
    assert saved.treatment_weeks == 4.5
    assert saved.source.value == "form"
    refused = browser.post("/wachttijden/melden", data={
        "csrf_token": browser.csrf, "sector": "ouderenzorg", "care_type": "x"})
    assert refused.status_code == 422


def test_just_after_dutch_midnight_today_is_the_dutch_date(session: Session) -> None:
    # 23:30 UTC on 24 November is 00:30 on 25 November in the Netherlands: a wait measured
    # "today" by a Dutch provider is not in the future, and one dated the 26th still is.
    import time_machine

    from verkeerstoren.access.actor import system_actor
    from verkeerstoren.errors import ValidationProblem
    from verkeerstoren.waiting_times import service
    from verkeerstoren.waiting_times.schemas import WaitIn

    location = own_location(session, "Zorggroep Zoetermeer")
    actor = system_actor("test")
    with time_machine.travel(datetime(2026, 11, 24, 23, 30, tzinfo=UTC), tick=False):
        entry = service.report(session, actor, WaitIn(
            organisation_id=location.organisation_id, location_id=location.id,
            sector="ouderenzorg", care_type="verpleeghuis", intake_weeks=2,
            measured_on=date(2026, 11, 25)))
        assert entry.measured_on == date(2026, 11, 25)
        unspecified = service.report(session, actor, WaitIn(
            organisation_id=location.organisation_id, location_id=location.id,
            sector="ouderenzorg", care_type="verpleeghuis", intake_weeks=2))
        assert unspecified.measured_on == date(2026, 11, 25)
        with pytest.raises(ValidationProblem):
            service.report(session, actor, WaitIn(
                organisation_id=location.organisation_id, location_id=location.id,
                sector="ouderenzorg", care_type="verpleeghuis", intake_weeks=2,
                measured_on=date(2026, 11, 26)))
