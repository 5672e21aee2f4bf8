"""The board page's filters: region, wijk and available only, on the page, the table every open
board refetches, the map and the exports; the coordinator's own region as the default."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.models import User
from verkeerstoren.capacity import service
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.registry.models import CareUnit, Gemeente, Location, UnitBedType, Wijk


@dataclass(frozen=True)
class Row:
    unit_id: int
    bed_type_code: str
    physical: int
    wijk_code: str
    gemeente_code: str
    region_id: int

    @property
    def marker(self) -> str:
        """How the board's table marks this row (see _board_table.html)."""
        return f'data-unit="{self.unit_id}" data-bed-type="{self.bed_type_code}"'


def _shown(html: str, *rows: Row) -> tuple[bool, ...]:
    """Which of these rows the board's HTML lists."""
    return tuple(row.marker in html for row in rows)


def _rows(session: Session) -> list[Row]:
    found = session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds,
               Location.wijk_code, Location.gemeente_code, Gemeente.region_id)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(Location, Location.id == CareUnit.location_id)
        .join(Gemeente, Gemeente.code == Location.gemeente_code)
        .where(CareUnit.active.is_(True), Location.wijk_code.is_not(None),
               Gemeente.region_id.is_not(None), UnitBedType.physical_beds >= 2)
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)).all()
    # Both columns are filtered to non-NULL above; the `or` only tells the type checker.
    return [Row(u, c, p, w or "", g, r or 0) for u, c, p, w, g, r in found]


@pytest.fixture
def here_and_there(session: Session, own_unit: UnitBedType) -> tuple[Row, Row, Row]:
    """The provider's unit, a unit in the same region but another wijk, one in another region."""
    rows = _rows(session)
    here = next(r for r in rows
                if (r.unit_id, r.bed_type_code) == (own_unit.unit_id, own_unit.bed_type_code))
    neighbour = next(r for r in rows if r.region_id == here.region_id
                     and r.wijk_code != here.wijk_code)
    far = next((r for r in rows if r.region_id != here.region_id), None)
    if far is None:
        pytest.skip("the demo was built without the open data: one region only")
    return here, neighbour, far


def _report(session: Session, row: Row, *, available: bool) -> None:
    service.submit_reports(session, system_actor("test"), [ReportIn(
        unit_id=row.unit_id, bed_type_code=row.bed_type_code, staffed=row.physical,
        occupied=0 if available else row.physical, blocked=0)], ReportSource.API)
    session.commit()  # into the test's savepoint, so that the app's session sees it


def _gemeente_name(session: Session, row: Row) -> str:
    gemeente = session.get(Gemeente, row.gemeente_code)
    assert gemeente is not None
    return gemeente.name


def _locate(session: Session, local: str, *gemeenten: str) -> None:
    """Give the user's organisation a location in each of these gemeenten."""
    user = session.scalar(select(User).where(User.email.startswith(f"{local}@")))
    assert user is not None
    for number, code in enumerate(gemeenten):
        session.add(Location(organisation_id=user.organisation_id, name=f"Testlocatie {number}",
                             postcode="2711AA", gemeente_code=code))
    session.commit()


def test_the_page_offers_regions_wijken_and_available_only(
    login: Callable[[str], Browser], here_and_there: tuple[Row, Row, Row]
) -> None:
    here, _, far = here_and_there
    page = login("coordinator").get("/board").text
    assert '<select name="region_id"><option value="0">Alle regio&#39;s</option>' in page
    for region_id in (here.region_id, far.region_id):
        assert f'<option value="{region_id}" >' in page
    assert '<select name="wijk" multiple' in page
    for row in here_and_there:
        assert f'<option value="{row.wijk_code}" >' in page
    assert 'name="available_only"' in page
    assert "Alleen beschikbare bedden" in page
    # Only wijken with active units are offered: not every wijk of the region.
    assert page.count('<option value="WK') < 120


def test_a_region_narrows_the_page_the_table_the_map_and_the_wijk_list(
    login: Callable[[str], Browser], here_and_there: tuple[Row, Row, Row]
) -> None:
    here, neighbour, far = here_and_there
    coordinator = login("coordinator")
    page = coordinator.get("/board", params={"region_id": here.region_id}).text
    table = coordinator.get("/board/table", params={"region_id": here.region_id}).text
    for html in (page, table):
        assert _shown(html, here, neighbour, far) == (True, True, False)
    assert f'<option value="{here.region_id}" selected>' in page
    assert f'<option value="{here.wijk_code}" >' in page
    assert f'<option value="{far.wijk_code}" >' not in page
    assert f'data-query="region_id={here.region_id}"' in page
    assert f"/board/map.json?region_id={here.region_id}" in page
    spec = coordinator.get("/board/map.json", params={"region_id": far.region_id}).json()
    shown = {f["properties"]["gemeentecode"] for f in spec["layer"][0]["data"]["values"]}
    assert far.gemeente_code in shown
    assert here.gemeente_code not in shown


def test_a_wijk_narrows_the_page_and_the_table(
    login: Callable[[str], Browser], here_and_there: tuple[Row, Row, Row]
) -> None:
    here, neighbour, far = here_and_there
    coordinator = login("coordinator")
    for path in ("/board", "/board/table"):
        html = coordinator.get(path, params={"wijk": here.wijk_code}).text
        assert _shown(html, here, neighbour, far) == (True, False, False)
        both = coordinator.get(path, params={"wijk": [here.wijk_code, far.wijk_code]}).text
        assert _shown(both, here, neighbour, far) == (True, False, True)
    page = coordinator.get("/board", params={"wijk": here.wijk_code}).text
    assert f'<option value="{here.wijk_code}" selected>' in page


def test_available_only_drops_full_units(
    login: Callable[[str], Browser], session: Session, here_and_there: tuple[Row, Row, Row]
) -> None:
    here, neighbour, _ = here_and_there
    _report(session, here, available=True)
    _report(session, neighbour, available=False)
    coordinator = login("coordinator")
    for path in ("/board", "/board/table"):
        everything = coordinator.get(path).text
        assert _shown(everything, here, neighbour) == (True, True)
        available = coordinator.get(path, params={"available_only": "true"}).text
        assert _shown(available, here, neighbour) == (True, False)
    page = coordinator.get("/board", params={"available_only": "true"}).text
    assert 'name="available_only" value="true" checked' in page


def test_the_exports_carry_the_boards_filters(
    login: Callable[[str], Browser], session: Session, here_and_there: tuple[Row, Row, Row]
) -> None:
    here, _, far = here_and_there
    coordinator = login("coordinator")
    page = coordinator.get("/board", params={"region_id": far.region_id,
                                             "available_only": "true"}).text
    links = re.findall(r'href="(/api/v1/board/export\?[^"]+)"', page)
    assert len(links) == 2
    for link in links:
        assert f"region_id={far.region_id}&amp;available_only=true" in link
    for row, other in ((here, far), (far, here)):
        answer = coordinator.get("/api/v1/board/export",
                                 params={"format": "csv", "region_id": row.region_id})
        # The CSV is for Dutch Excel: BOM, ';' (docs/exports.md); the gemeente is column 5.
        text = answer.content.decode("utf-8-sig")
        shown = {line[4] for line in csv.reader(io.StringIO(text), delimiter=";")}
        assert _gemeente_name(session, row) in shown
        assert _gemeente_name(session, other) not in shown


def test_a_coordinator_sees_the_region_of_their_organisation_by_default(
    login: Callable[[str], Browser], session: Session, here_and_there: tuple[Row, Row, Row]
) -> None:
    here, neighbour, far = here_and_there
    coordinator = login("coordinator")
    # The demo's coordination point has no location: no region to derive, the whole board.
    page = coordinator.get("/board").text
    assert _shown(page, here, far) == (True, True)
    assert "selected>" not in page.split('name="region_id"')[1].split("</select>")[0]

    _locate(session, "coordinator", here.gemeente_code)
    page = coordinator.get("/board").text
    assert f'<option value="{here.region_id}" selected>' in page
    assert _shown(page, here, neighbour, far) == (True, True, False)
    # The table refetch and the map get the region the page chose, spelled out.
    assert f'data-query="region_id={here.region_id}"' in page
    # "All regions", chosen on purpose, wins over the default.
    everything = coordinator.get("/board", params={"region_id": 0}).text
    assert _shown(everything, here, far) == (True, True)
    assert 'data-query=""' in everything


def test_an_organisation_in_two_regions_gets_no_default(
    login: Callable[[str], Browser], session: Session, here_and_there: tuple[Row, Row, Row]
) -> None:
    here, _, far = here_and_there
    _locate(session, "coordinator", here.gemeente_code, far.gemeente_code)
    page = login("coordinator").get("/board").text
    assert _shown(page, here, far) == (True, True)


@pytest.mark.parametrize("path", ["/board", "/board/table", "/board/map.json"])
def test_unknown_regions_and_wijken_give_an_empty_board_and_junk_a_422(
    login: Callable[[str], Browser], session: Session, path: str
) -> None:
    coordinator = login("coordinator")
    unknown_wijk = "WK999999"
    assert session.get(Wijk, unknown_wijk) is None
    for params in ({"region_id": 2**31 - 1}, {"wijk": unknown_wijk}, {"wijk": "x" * 500}):
        answer = coordinator.get(path, params=params)
        assert answer.status_code == 200, params
        if path == "/board/map.json":
            assert answer.json()["layer"][1]["data"]["values"] == []
        else:
            assert "Geen afdelingen voor deze filters." in answer.text
    for junk in ({"region_id": "abc"}, {"region_id": -1}, {"region_id": 2**31},
                 {"wijk": [f"WK{n:06d}" for n in range(51)]}):
        assert coordinator.get(path, params=junk).status_code == 422, junk


def test_the_history_chart_opens_on_the_users_own_region_too(
    login: Callable[[str], Browser], session: Session, here_and_there: tuple[Row, Row, Row]
) -> None:
    here, _, far = here_and_there
    coordinator = login("coordinator")
    first = coordinator.get("/board/history").text  # no own region: the first one
    not_first = next(r for r in (here, far)
                     if f'<option value="{r.region_id}" selected>' not in first)
    _locate(session, "coordinator", not_first.gemeente_code)
    page = coordinator.get("/board/history").text
    assert f'<option value="{not_first.region_id}" selected>' in page
    # A region asked for still wins.
    other = far if not_first is here else here
    page = coordinator.get("/board/history", params={"region_id": other.region_id}).text
    assert f'<option value="{other.region_id}" selected>' in page
