"""An official population forecast loaded from a file (issue 16 item 1): compared beside the
tower's projection, used instead of it, and refused whole when any row is wrong.

The files are built here from a formula of their own (persons = 100 + 7 × age group + 3 × sex
+ 11 × (year − 2024) + 1000 for the second gemeente), so every expected figure is computed
from that formula by hand, not by the code under test."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.foresight.test_outlook_web import fake_project
from tests.opendata.fixtures import load_region
from verkeerstoren.foresight import beds, official, outlook, population
from verkeerstoren.foresight.models import OfficialForecast, OfficialForecastValue
from verkeerstoren.foresight.schemas import BedsPerYearIn, OutlookIn

Login = Callable[[str], Browser]
AGES = [*(f"{a}-{a + 4}" for a in range(0, 90, 5)), "90+"]
SEXES = ("man", "vrouw")
CODES = ("GM0637", "GM0518")
YEARS = range(2024, 2031)


def persons(code: str, year: int, sex: int, age: int) -> int:
    return 100 + 7 * age + 3 * sex + 11 * (year - 2024) + (1000 if code == "GM0518" else 0)


def detailed_rows() -> list[list[str]]:
    return [[code, str(year), SEXES[s], AGES[a], str(persons(code, year, s, a))]
            for code in CODES for year in YEARS for s in range(2) for a in range(19)]


def as_csv(header: str, rows: list[list[str]]) -> bytes:
    return ("\r\n".join([header, *(";".join(r) for r in rows)]) + "\r\n").encode()


DETAILED_HEADER = "gemeente;jaar;geslacht;leeftijd;personen"


def official_total(code: str, year: int) -> int:
    # Σ over 2 sexes and 19 groups: 38 × (100 + 11 (y − 2024) + extra) + 2 × 7 × Σa + 19 × 3
    extra = 1000 if code == "GM0518" else 0
    return 38 * (100 + 11 * (year - 2024) + extra) + 14 * 171 + 57


def stored(session: Session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(OfficialForecast)) or 0,
            session.scalar(select(func.count()).select_from(OfficialForecastValue)) or 0)


def upload(browser: Browser, content: bytes, name: str = "pbl.csv"):  # type: ignore[no-untyped-def]
    return browser.post("/foresight/official", data={"csrf_token": browser.csrf,
                                                     "title": "PBL/CBS test"},
                        files={"file": (name, content, "text/csv")}, follow_redirects=False)


def test_hand_computed_total_formula() -> None:
    rows = detailed_rows()
    got = sum(int(r[4]) for r in rows if r[0] == "GM0637" and r[1] == "2027")
    assert got == official_total("GM0637", 2027) == 38 * 133 + 2394 + 57


def test_a_detailed_file_is_stored_compared_and_used_instead(
        login: Login, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    analyst = login("analyst")
    answer = upload(analyst, as_csv(DETAILED_HEADER, detailed_rows()))
    assert answer.status_code == 303, answer.text[-1500:]
    assert stored(session) == (1, 2 * 7 * 38)

    meta = analyst.get("/api/v1/foresight/official").json()
    assert (meta["shape"], meta["first_year"], meta["last_year"]) == ("detailed", 2024, 2030)
    assert meta["gemeenten"] == sorted(CODES)
    assert meta["use_instead"] is False

    # Compared with a fake projection of 1000 per cell outside 65+ (38,000 in 2024).
    monkeypatch.setattr(population, "project_area", fake_project)
    compared = analyst.get("/api/v1/foresight/official/compare",
                           params={"area": "GM0637"}).json()
    rows = {r["year"]: r for r in compared["rows"]}
    assert sorted(rows) == list(YEARS)
    assert rows[2024]["official_total"] == official_total("GM0637", 2024)
    assert rows[2024]["own_total"] == 38_000
    assert rows[2024]["difference"] == official_total("GM0637", 2024) - 38_000
    # 65+: groups 13..18 of both sexes: Σ (100 + 7a + 3s) over a = 13..18, s = 0, 1
    assert rows[2024]["official_65plus"] == 2 * (6 * 100 + 7 * sum(range(13, 19))) + 6 * 3

    # Not used instead until switched on; then demand and beds rest on it, and say so.
    before = outlook.outlook(session, OutlookIn(area_code="GM0637"), project=fake_project)
    assert before.population[0] == pytest.approx(38_000)
    assert "cohort-component" in before.population_source
    assert analyst.put("/api/v1/foresight/official/use",
                       json={"use_instead": True}).status_code == 200
    after = outlook.outlook(session, OutlookIn(area_code="GM0637"), project=fake_project)
    for year in YEARS:
        assert after.population[after.years.index(year)] == pytest.approx(
            official_total("GM0637", year))
    # Years the file does not cover keep the tower's projection (fake: 2035 = 38,000 + 65+).
    fake_2035 = fake_project(session, "GM0637").total()[2035 - 2024]
    assert after.population[after.years.index(2035)] == pytest.approx(fake_2035)
    assert "official forecast 'PBL/CBS test'" in after.population_source
    assert "pbl.csv" in after.population_source
    plan = beds.beds_per_year(session, BedsPerYearIn(
        area_code="GM0637", bed_type="multifunctional", arrivals_per_day=2,
        mean_stay_days=10), project=fake_project)
    assert "official forecast" in plan.population_source
    # The 75+ group (15..18) grows as the file says: arrivals 2030 = 2 × ratio.
    aged = [sum(persons("GM0637", y, s, a) for s in range(2) for a in range(15, 19))
            for y in (2024, 2030)]
    assert plan.years[6].arrivals_per_day == pytest.approx(2 * aged[1] / aged[0])

    page = login("viewer").get("/foresight/demand", params={"area": "GM0637"})
    assert "Bevolking: officiële prognose &#39;PBL/CBS test&#39;" in page.text


def test_a_total_only_file_scales_the_towers_shape(
        login: Login, session: Session) -> None:
    analyst = login("analyst")
    rows = [[code, str(y), str(official_total(code, y))] for code in CODES for y in YEARS]
    assert upload(analyst, as_csv("gemeente;jaar;personen", rows),
                  "totals.csv").status_code == 303
    assert analyst.put("/api/v1/foresight/official/use",
                       json={"use_instead": True}).status_code == 200
    result = outlook.outlook(session, OutlookIn(area_code="GM0637"), project=fake_project)
    fake = fake_project(session, "GM0637")
    share_65 = fake.aged(65)[3] / fake.total()[3]
    assert result.population[3] == pytest.approx(official_total("GM0637", 2027))
    assert result.aged_65_plus[3] == pytest.approx(official_total("GM0637", 2027) * share_65)


def test_the_population_page_shows_the_official_series_beside_ours(
        login: Login, session: Session) -> None:
    load_region(session, ("vektis_zvw", "cbs_population_dynamics", "cbs_kerncijfers",
                          "pdok_gemeenten"))
    analyst = login("analyst")
    assert upload(analyst, as_csv(DETAILED_HEADER, detailed_rows())).status_code == 303
    page = analyst.get("/foresight/population", params={"area": "GM0637", "until": "2030"})
    assert page.status_code == 200
    assert "Officiële prognose naast deze projectie" in page.text
    assert "spec-official" in page.text
    # Dutch number format of the hand-computed 2030 total, 38 × 166 + 2451 = 8,759
    assert f"{official_total('GM0637', 2030):,}".replace(",", ".") in page.text


Rows = list[list[str]]
BAD: dict[str, tuple[Callable[[Rows], object], str, int | None]] = {
    "negative": (lambda rows: rows[5].__setitem__(4, "-3"), "kan niet negatief zijn", 7),
    "unknown gemeente": (lambda rows: [r.__setitem__(0, "GM9999") for r in rows[:38]],
                         "Onbekende gemeentecode GM9999", 2),
    "duplicate": (lambda rows: rows.append(list(rows[0])), "als rij 2", None),
    "wrong age group": (lambda rows: [r.__setitem__(3, "90-94") for r in rows
                                      if r[3] == "90+"], "90-94 is geen van de leeftijdsgroepen",
                        None),
    "missing year": (lambda rows: rows.__delitem__(slice(38 * 7 + 38 * 3, 38 * 7 + 38 * 4)),
                     "Gemeente GM0518 heeft geen cijfers voor 2027", None),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_stores_nothing_and_names_the_problem_in_dutch(
        login: Login, session: Session, case: str) -> None:
    analyst = login("analyst")
    assert upload(analyst, as_csv(DETAILED_HEADER, detailed_rows()),
                  "good.csv").status_code == 303
    before = stored(session)
    rows = detailed_rows()
    spoil, message, row = BAD[case]
    spoil(rows)
    answer = upload(analyst, as_csv(DETAILED_HEADER, rows), "bad.csv")
    assert answer.status_code == 422
    assert "Er is niets opgeslagen" in answer.text or "niets opgeslagen" in answer.text
    assert message in answer.text, answer.text[-2000:]
    if row is not None:
        assert f"rij {row}, kolom" in answer.text
    assert stored(session) == before  # the good file is still the one stored
    assert official.current(session).file_name == "good.csv"  # type: ignore[union-attr]


def test_only_editors_load_and_a_file_without_2024_cannot_be_used_instead(
        login: Login, session: Session) -> None:
    viewer = login("viewer")
    assert viewer.post("/api/v1/foresight/official", content=as_csv(
        DETAILED_HEADER, detailed_rows()), headers={"content-type": "text/csv"}).status_code == 403
    assert stored(session) == (0, 0)
    analyst = login("analyst")
    later = [r for r in detailed_rows() if r[1] != "2024"]
    assert upload(analyst, as_csv(DETAILED_HEADER, later)).status_code == 303
    answer = analyst.put("/api/v1/foresight/official/use", json={"use_instead": True})
    assert answer.status_code == 422
    assert official.current(session).use_instead is False  # type: ignore[union-attr]


def test_compare_rows_against_a_hand_made_projection() -> None:
    counts = np.ones((3, 2, 19)) * 10.0  # 380 persons a year, 120 aged 65+, 60 aged 80+
    projection = population.make_projection("GM0637", counts)
    figures = np.ones((2, 2, 19)) * 12.0
    loaded = official.Loaded(OfficialForecast(shape="detailed", title="t", file_name="f"),
                             (2025, 2026), {"GM0637": figures})
    rows = official.compare(loaded, projection, ["GM0637"])
    assert rows is not None
    assert [r.year for r in rows] == [2025, 2026]
    assert (rows[0].own_total, rows[0].official_total, rows[0].difference) == (380, 456, 76)
    assert rows[0].official_65plus == 6 * 2 * 12
    assert rows[0].official_80plus == 3 * 2 * 12
    assert official.compare(loaded, projection, ["GM0637", "GM0518"]) is None
