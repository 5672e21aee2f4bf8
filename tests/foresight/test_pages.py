"""The population projection page and its exports: Dutch, with the backtest beside the naive
baseline, the method and the assumptions; bad input shown at its field."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.opendata.fixtures import load_region
from verkeerstoren.foresight import population

Login = Callable[[str], Browser]
KEYS = ("vektis_zvw", "cbs_population_dynamics", "cbs_kerncijfers", "pdok_gemeenten")


def test_the_page_shows_the_projection_backtests_and_assumptions_in_dutch(
        login: Login, session: Session) -> None:
    load_region(session, KEYS)
    page = login("viewer").get("/foresight/population",
                               params={"area": "GM0637", "until": "2040"})
    assert page.status_code == 200, page.text[-2000:]
    text = page.text
    assert "Bevolkingsprognose" in text
    assert "Zoetermeer" in text
    for year in ("2024", "2030", "2040"):
        assert f">{year}<" in text
    assert "80 jaar en ouder" in text
    assert "Terugtoets" in text
    assert "naïef: het groeitempo van 2012-2019 doorgetrokken" in text
    # Both ageing rows: the forecast from 2015 and the one with the observed totals, so a user
    # can tell a forecast from a reconstruction.
    assert "voorspeld vanuit 2015" in text
    assert "(geen voorspelling)" in text
    assert "niet op deze uitkomsten" in text
    assert "Rogers-Castro" in text
    assert 'id="spec-bands"' in text
    assert 'id="spec-aged"' in text


def test_the_page_opens_on_the_first_region_and_refuses_a_bad_lever(
        login: Login, session: Session) -> None:
    load_region(session, KEYS)
    browser = login("viewer")
    first = browser.get("/foresight/population")
    assert first.status_code == 200
    assert population.areas(session)[0][1] in first.text
    bad = browser.get("/foresight/population", params={"area": "GM0637",
                                                       "migration_factor": "9"})
    assert bad.status_code == 422
    assert "de migratiefactor moet tussen 0 en 3.0 liggen" in bad.text
    words = browser.get("/foresight/population", params={"until": "soon"})
    assert words.status_code == 422
    assert "het eindjaar moet een jaartal zijn" in words.text


def test_the_projection_exports_as_csv_and_excel(login: Login, session: Session) -> None:
    load_region(session, KEYS)
    browser = login("viewer")
    answer = browser.get("/foresight/population.csv", params={"area": "GM0637",
                                                              "until": "2030"})
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["area_code", "year", "sex", "age_group", "persons"]
    body = [r for r in rows[1:] if len(r) == 5]
    assert len(body) == 7 * 2 * 19
    assert rows[-1][0].startswith("Bron: cohort-component")
    api = browser.get("/api/v1/foresight/population",
                      params={"area": "GM0637", "until": 2030}).json()
    base = sum(int(r[4]) for r in body if r[1] == "2024")
    assert abs(base - api["total"][0]) <= 38  # each of the 38 cells rounded on its own
    excel = browser.get("/foresight/population.xlsx", params={"area": "GM0637",
                                                              "until": "2030"})
    assert excel.status_code == 200
    sheet = load_workbook(io.BytesIO(excel.content)).active
    assert sheet is not None
    assert sheet.cell(1, 5).value == "persons"


def test_without_open_data_the_page_opens_and_says_what_is_missing(login: Login) -> None:
    page = login("viewer").get("/foresight/population")
    assert page.status_code == 200
    assert "geen bevolking naar leeftijd" in page.text
