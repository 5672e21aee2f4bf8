"""District nursing: teams report intake; a GP finds who can start, soonest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.models import User
from verkeerstoren.capacity import intake
from verkeerstoren.capacity.schemas import IntakeIn
from verkeerstoren.registry.models import NursingTeam, ServiceArea, Skill
from verkeerstoren.storage.base import utcnow


def test_a_gp_finds_teams_that_can_start_soonest_first(
    login: Callable[[str], Browser], session: Session
) -> None:
    team = session.scalars(select(NursingTeam).order_by(NursingTeam.id)).first()
    assert team is not None
    area = next(a for a in team.service_areas if a.postcode_from is not None)
    assert area.postcode_from is not None
    today = utcnow().date()
    intake.report_intake(session, _actor(session), IntakeIn(
        team_id=team.id, accepting=True, available_from=today + timedelta(days=2)))
    session.flush()
    answer = login("referrer").get("/api/v1/district-nursing/search", params={
        "postcode": f"{area.postcode_from}AB", "start": today.isoformat()})
    assert answer.status_code == 200
    matches = answer.json()
    names = [m["team"] for m in matches]
    assert team.name in names
    starts = [m["start_from"] for m in matches]
    assert starts == sorted(starts)
    page = login("referrer").get("/district-nursing", params={
        "postcode": f"{area.postcode_from} AB", "start": today.isoformat()})
    assert team.name in page.text


def test_a_team_that_takes_no_clients_is_not_offered(session: Session) -> None:
    team = session.scalars(select(NursingTeam).order_by(NursingTeam.id)).first()
    assert team is not None
    area = next(a for a in team.service_areas if a.postcode_from is not None)
    intake.report_intake(session, _actor(session), IntakeIn(team_id=team.id, accepting=False))
    session.flush()
    found = intake.find_teams(session, postcode=f"{area.postcode_from}AB",
                              start=utcnow().date(), skills=[])
    assert team.name not in [m.team for m in found]


def test_required_skills_filter_the_teams(session: Session) -> None:
    found = intake.find_teams(session, postcode="2711AB", start=utcnow().date(),
                              skills=["palliative", "psychiatric", "children", "dialysis"])
    assert all({"palliative", "psychiatric", "children"} <= set(m.skills) for m in found)


def test_a_bad_postcode_is_refused_naming_the_field(login: Callable[[str], Browser]) -> None:
    answer = login("referrer").get("/api/v1/district-nursing/search",
                                   params={"postcode": "abcd", "start": "2030-01-01"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "postcode"


def _actor(session: Session):  # type: ignore[no-untyped-def]
    from verkeerstoren.access.service import actor_for_user

    user = session.scalar(select(User).where(User.email.startswith("provider@")))
    assert user is not None
    return actor_for_user(user)


def _lone_team(session: Session, postcode4: int, phone: str | None) -> NursingTeam:
    """A team that alone serves one postcode (none of the demo's do)."""
    assert not intake.postcode_is_served(session, f"{postcode4}AB")
    user = session.scalar(select(User).where(User.email.startswith("provider@")))
    assert user is not None
    team = NursingTeam(organisation_id=user.organisation_id, name="Team Eenling", phone=phone,
                       email="eenling@example.org")
    team.service_areas.append(ServiceArea(postcode_from=postcode4, postcode_to=postcode4))
    session.add(team)
    session.flush()
    return team


def _result(page: str) -> str:
    return page[page.index("<h2>"):page.index("</table>")]


def test_the_search_texts_one_team_contact_links_and_why_none(
    login: Callable[[str], Browser], session: Session
) -> None:
    referrer = login("referrer")
    team = _lone_team(session, 9994, phone=None)
    intake.report_intake(session, _actor(session), IntakeIn(team_id=team.id, accepting=False))
    session.flush()
    # Served, nobody free, no skill ticked: no "met deze expertise".
    page = _result(referrer.get("/district-nursing", params={"postcode": "9994 AB"}).text)
    assert "0 teams kunnen een nieuwe cliënt aannemen" in page
    assert "neemt op dit moment nieuwe cliënten aan" in page
    assert "expertise" not in page
    skill = session.scalars(select(Skill).order_by(Skill.code)).first()
    assert skill is not None
    page = _result(referrer.get("/district-nursing", params={
        "postcode": "9994 AB", "skill": skill.code}).text)
    assert "met deze expertise" in page
    intake.report_intake(session, _actor(session), IntakeIn(team_id=team.id, accepting=True))
    session.flush()
    page = _result(referrer.get("/district-nursing", params={"postcode": "9994AB"}).text)
    assert "1 team kan een nieuwe cliënt aannemen" in page
    assert '<a href="mailto:eenling@example.org">eenling@example.org</a></td>' in page
    assert "<br><a href=\"mailto:" not in page  # no empty line for the missing phone
    assert "tel:" not in page
    team.phone = "071 - 123 45 67"
    session.flush()
    page = _result(referrer.get("/district-nursing", params={"postcode": "9994AB"}).text)
    assert '<a href="tel:0711234567">071 - 123 45 67</a><br><a href="mailto:' in page
    # Outside every service area: said so, not "no team takes clients".
    page = _result(referrer.get("/district-nursing", params={"postcode": "9993 AB"}).text)
    assert ("Postcode 9993 AB ligt buiten het werkgebied van alle wijkverpleegteams in het "
            "register.") in page
