"""Issue 14 item 4: a district-nursing search that finds no team names the nearest teams and
their phone numbers, instead of ending at "0 teams"."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.models import User
from verkeerstoren.capacity import intake
from verkeerstoren.registry.models import NursingTeam, ServiceArea


def test_no_team_found_names_the_nearest_teams_with_phone_numbers(
    login: Callable[[str], Browser], session: Session,
) -> None:
    # A team serving only 9994, far from the demo region's teams (Haaglanden, 2xxx).
    assert not intake.postcode_is_served(session, "9996AB")
    user = session.scalar(select(User).where(User.email.startswith("provider@")))
    assert user is not None
    team = NursingTeam(organisation_id=user.organisation_id, name="Team Noordkaap",
                       phone="050 123 45 67")
    team.service_areas.append(ServiceArea(postcode_from=9994, postcode_to=9994))
    session.add(team)
    session.flush()
    page = unescape(login("referrer").get("/district-nursing",
                                          params={"postcode": "9996 AB"}).text)
    assert "0 teams kunnen een nieuwe cliënt aannemen" in page
    nearest = page[page.index('data-testid="nearest-teams"'):]
    assert "Dichtstbijzijnde teams om te bellen" in nearest
    # The team two postcode numbers away comes first, with a phone link.
    assert nearest.index("Team Noordkaap") < nearest.index("</li>")
    assert '<a href="tel:0501234567">050 123 45 67</a>' in nearest
    assert "werkt in postcodes vlak bij deze" in nearest
    assert "neemt op dit moment geen nieuwe cliënten aan" in nearest
