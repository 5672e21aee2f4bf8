"""Regiobeeld pages, exports and API for logged-in roles."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.opendata.fixtures import load_region


def test_every_role_sees_the_region_map_and_ranking(session: Session,
                                                    login: Callable[[str], Browser]) -> None:
    load_region(session)
    page = login("viewer").get("/regiobeeld")
    assert page.status_code == 200
    assert 'data-spec="' in page.text
    assert "geoshape" in page.text
    assert "Meerzicht" in page.text
    assert "Bron" in page.text
    assert login("provider").get("/regiobeeld?indicator=lonely@65%2B").status_code == 200


def test_a_wijk_profile_page_shows_the_comparison_and_charts(
        session: Session, login: Callable[[str], Browser]) -> None:
    load_region(session)
    page = login("referrer").get("/regiobeeld/area/WK063702")
    assert page.status_code == 200
    assert "Buytenwegh de Leyens" in page.text
    assert "76,4" in page.text
    assert page.text.count("data-spec=") == 4


def test_tables_export_as_csv_and_excel_and_maps_as_png(
        session: Session, login: Callable[[str], Browser]) -> None:
    load_region(session)
    browser = login("analyst")
    answer = browser.get("/regiobeeld/area/GM0637/table.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][3] == "Zoetermeer"
    assert any(r[3] == "128434.0" for r in rows[1:])
    excel = browser.get("/regiobeeld/ranking.xlsx")
    assert excel.content[:2] == b"PK"
    png = browser.get("/regiobeeld/map.png")
    assert png.status_code == 200
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_api_gives_profiles_and_provenance(session: Session,
                                              login: Callable[[str], Browser]) -> None:
    load_region(session)
    browser = login("viewer")
    profile = browser.get("/api/v1/profiles/areas/GM0637").json()
    population = next(r for s in profile["sections"] for r in s["rows"]
                      if r["indicator"] == "population")
    assert population["value"] == 128434
    datasets = browser.get("/api/v1/opendata/datasets").json()
    assert {"publisher": "CBS", "table_id": "85984NED", "year": 2024} .items() <= \
        next(d for d in datasets if d["key"] == "cbs_kwb").items()
    assert browser.get("/api/v1/profiles/areas/GM0363").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client: Browser) -> None:
    answer = client.get("/regiobeeld", follow_redirects=False)
    assert answer.status_code in (303, 401)
