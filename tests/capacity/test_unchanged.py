""""Unchanged" on the report form re-confirms the stored report, never what was typed (issue 12).

The browser half (the card refuses while it holds edits, "Nu vrij" follows the typing) is in
tests/e2e/test_report_unchanged.py; here the server's half, which holds without any script.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.capacity.models import AvailabilityReport, BedState
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage.base import utcnow

FIGURES = ("physical", "staffed", "occupied", "blocked", "blocked_reason",
           "expected_free_date", "remark")


def _reports(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AvailabilityReport)) or 0


def _latest(session: Session, ubt: UnitBedType) -> AvailabilityReport:
    session.expire_all()
    state = session.get(BedState, (ubt.unit_id, ubt.bed_type_code))
    assert state is not None
    assert state.report_id is not None
    report = session.get(AvailabilityReport, state.report_id)
    assert report is not None
    return report


def _figures(report: AvailabilityReport) -> tuple[object, ...]:
    return tuple(getattr(report, name) for name in FIGURES)


def _save(provider: Browser, ubt: UnitBedType, **figures: str) -> None:
    answer = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, "unit_id": str(ubt.unit_id),
        "bed_type_code": ubt.bed_type_code, **figures}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def _unchanged(provider: Browser, ubt: UnitBedType, report_id: int | None,
               **typed: str) -> tuple[int, str]:
    data = {"csrf_token": provider.csrf, "unit_id": str(ubt.unit_id),
            "bed_type_code": ubt.bed_type_code, "unchanged": "1", **typed}
    if report_id is not None:
        data["report_id"] = str(report_id)
    answer = provider.post("/capacity/report", data=data, follow_redirects=False)
    return answer.status_code, answer.headers.get("location", answer.text)


def test_unchanged_confirms_the_stored_report_and_not_the_typed_figures(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    provider = login("provider")
    _save(provider, own_unit, staffed="3", occupied="1", blocked="1",
          blocked_reason="Lekkage", remark="Na de ochtendronde")
    stored = _latest(session, own_unit)
    before = _reports(session)
    # The provider typed new figures into the card, then tapped "Unchanged".
    status, location = _unchanged(provider, own_unit, stored.id, staffed="4", occupied="4",
                                  blocked="0", remark="getypt")
    assert status == 303, location
    assert _reports(session) == before + 1  # a new report: confirmed now, as it was
    confirmed = _latest(session, own_unit)
    assert confirmed.id != stored.id
    assert confirmed.reported_at >= stored.reported_at
    assert _figures(confirmed) == _figures(stored)
    # The card says so, with the figures it confirmed.
    page = provider.get(location).text
    notice = re.search(r'<p class="notice" role="status" id="unit-[^"]+-saved">([^<]*)</p>',
                       page)
    assert notice is not None
    assert notice.group(1).startswith(f"Ongewijzigd bevestigd voor {own_unit.unit.name}"
                                      .replace("'", "&#39;"))
    assert "(3 bemand, 1 bezet, 1 geblokkeerd)" in notice.group(1)


def test_unchanged_is_refused_when_the_report_moved_on_since_the_page_was_opened(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    provider = login("provider")
    _save(provider, own_unit, staffed="3", occupied="1")
    seen = _latest(session, own_unit).id
    _save(provider, own_unit, staffed="3", occupied="2")  # someone else, meanwhile
    before = _reports(session)
    status, text = _unchanged(provider, own_unit, seen)
    assert status == 409
    assert "gewijzigd sinds de pagina werd geopend" in text
    status, text = _unchanged(provider, own_unit, None)  # a card that showed no report id
    assert status == 409
    assert _reports(session) == before
    assert _latest(session, own_unit).occupied == 2


def test_unchanged_keeps_the_usual_checks_and_names_the_problem(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    provider = login("provider")
    _save(provider, own_unit, staffed="3", occupied="1",
          expected_free_date=utcnow().date().isoformat())
    stored = _latest(session, own_unit)
    # The stored "free from" date has passed since: confirming it as is would be wrong.
    session.execute(update(BedState).where(
        BedState.unit_id == own_unit.unit_id, BedState.bed_type_code == own_unit.bed_type_code
    ).values(expected_free_date=utcnow().date() - timedelta(days=1)))
    before = _reports(session)
    status, text = _unchanged(provider, own_unit, stored.id)
    assert status == 422
    assert "de verwachte vrij-datum ligt in het verleden" in text
    assert _reports(session) == before


def test_a_card_without_a_report_has_nothing_to_confirm(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    session.execute(update(BedState).where(
        BedState.unit_id == own_unit.unit_id, BedState.bed_type_code == own_unit.bed_type_code
    ).values(report_id=None))
    provider = login("provider")
    assert 'name="report_id"' not in _card(provider.get("/capacity/report").text, own_unit)
    status, text = _unchanged(provider, own_unit, 1)
    assert status == 422
    assert "nog geen melding om te bevestigen" in text


def test_another_organisations_card_cannot_be_confirmed(
    login: Callable[[str], Browser], session: Session, other_unit: UnitBedType
) -> None:
    session.execute(update(BedState).where(
        BedState.unit_id == other_unit.unit_id, BedState.bed_type_code == other_unit.bed_type_code
    ).values(report_id=None))
    before = _reports(session)
    status, _ = _unchanged(login("provider"), other_unit, 1)
    assert status in (409, 422)
    assert _reports(session) == before


def _card(page: str, ubt: UnitBedType) -> str:
    card = page[page.index(f'id="unit-{ubt.unit_id}-{ubt.bed_type_code}"'):]
    return card[:card.index("</form>")]


def _shown(page: str) -> list[str]:
    form = page[page.index('id="all-unchanged"'):]
    return re.findall(r'name="shown" value="([^"]+)"', form[:form.index("</form>")])


def _stored(session: Session, org_id: int) -> dict[tuple[int, str], tuple[object, ...]]:
    session.expire_all()
    states = session.scalars(select(BedState).where(BedState.organisation_id == org_id,
                                                    BedState.report_id.is_not(None)))
    return {(s.unit_id, s.bed_type_code): (s.report_id, s.staffed, s.occupied, s.blocked)
            for s in states}


def test_all_unchanged_confirms_every_stored_report_of_the_organisation_at_once(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    provider = login("provider")
    _save(provider, own_unit, staffed="3", occupied="2")
    stored = _stored(session, own_unit.unit.organisation_id)
    assert len(stored) >= 2
    page = provider.get("/capacity/report").text
    shown = _shown(page)
    assert len(shown) == len(stored)
    before = _reports(session)
    answer = provider.post("/capacity/report/unchanged",
                           data={"csrf_token": provider.csrf, "shown": shown},
                           follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert _reports(session) == before + len(stored)
    after = _stored(session, own_unit.unit.organisation_id)
    assert after.keys() == stored.keys()
    for key, (report_id, *figures) in after.items():
        assert report_id != stored[key][0]  # a new report …
        assert figures == list(stored[key][1:])  # … of the same figures
    page = provider.get(answer.headers["location"]).text
    assert f"{len(stored)} meldingen ongewijzigd bevestigd" in page


def test_all_unchanged_refuses_them_all_when_one_moved_on(
    login: Callable[[str], Browser], session: Session, own_unit: UnitBedType
) -> None:
    provider = login("provider")
    _save(provider, own_unit, staffed="3", occupied="2")
    shown = _shown(provider.get("/capacity/report").text)
    _save(provider, own_unit, staffed="3", occupied="1")  # after the page was built
    before = _reports(session)
    answer = provider.post("/capacity/report/unchanged",
                           data={"csrf_token": provider.csrf, "shown": shown})
    assert answer.status_code == 409
    assert "Er is niets bevestigd." in answer.text
    assert f'href="#unit-{own_unit.unit_id}-{own_unit.bed_type_code}"' in answer.text
    assert _reports(session) == before
    # A damaged list is a clear 4xx too, and writes nothing.
    answer = provider.post("/capacity/report/unchanged",
                           data={"csrf_token": provider.csrf, "shown": ["12:x", "a:b:c"]})
    assert answer.status_code == 422
    assert "beschadigd" in answer.text
    assert _reports(session) == before


def test_all_unchanged_is_for_a_providers_own_organisation(
    login: Callable[[str], Browser], session: Session
) -> None:
    admin = login("admin")
    assert 'id="all-unchanged"' not in admin.get("/capacity/report").text
    before = _reports(session)
    answer = admin.post("/capacity/report/unchanged", data={"csrf_token": admin.csrf})
    assert answer.status_code == 422
    assert "eigen organisatie" in answer.text
    assert _reports(session) == before
