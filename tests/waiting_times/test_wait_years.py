"""Issue 14 item 4: waiting times say which years they are from, and an NZa wait placed at its
gemeente's centre says so beside the distance."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.opendata.fixtures import load_region

WAITS = ("nza_ggz", "pdok_gemeenten")


def test_the_current_waits_name_the_years_they_were_measured_in(
    session: Session, login: Callable[[str], Browser],
) -> None:
    load_region(session, WAITS)
    page = unescape(login("referrer").get("/wachttijden").text)
    table = page[page.index('id="waits"'):]
    measured = {int(y) for y in re.findall(r"<td>\d\d-\d\d-(\d{4})</td>", table)}
    assert measured, "the demo has waits"
    said = re.search(r'data-testid="wait-years">De nieuwste wachttijd van elke aanbieder, '
                     r"gemeten in ([\d, ]+)\.</p>", page)
    assert said, "the page says which years"
    assert {int(y) for y in said.group(1).split(", ")} == measured


def test_a_distance_to_a_gemeente_centre_says_so(
    session: Session, login: Callable[[str], Browser],
) -> None:
    load_region(session, WAITS)
    page = unescape(login("referrer").get("/wachttijden/soonest", params={
        "postcode": "2511AB", "sector": "ggz", "max_km": "50"}).text)
    rows = re.findall(r"<tr><td>.*?</tr>", page, re.S)
    approximate = [r for r in rows if "≈ " in r]
    assert approximate, "the demo has NZa waits without an address"
    # NZa lists no address: its waits are placed at the gemeente's centre (lookup.py), and
    # the row says so instead of showing one distance for every provider in a city.
    assert all("tot het centrum van" in r for r in approximate if "NZa" in r)
    assert any("NZa" in r for r in approximate)
