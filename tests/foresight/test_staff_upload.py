"""Staff figures per sector from a file (issue 16 item 4): used in the zorgkloof with their
file and upload time beside them; any bad row and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.foresight.test_outlook_web import fake_project
from verkeerstoren.foresight import outlook
from verkeerstoren.foresight.models import StaffFigure
from verkeerstoren.foresight.schemas import OutlookIn

Login = Callable[[str], Browser]
HEADER = ("area;sector;persons;part_time_factor;vacancies_fte;inflow_persons;outflow_percent;"
          "aged_55_59_percent;aged_60_plus_percent")
GOOD = ["GM0637;gp;100;0,5;5;10;10;0;0", "GM0637;district_nursing;200;0,6;0;20;10;0;14"]


def upload(browser: Browser, lines: list[str], name: str = "staff.csv"):  # type: ignore[no-untyped-def]
    content = ("\r\n".join([HEADER, *lines]) + "\r\n").encode()
    return browser.post("/foresight/workforce", data={"csrf_token": browser.csrf},
                        files={"file": (name, content, "text/csv")}, follow_redirects=False)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StaffFigure)) or 0


def test_uploaded_staff_drive_the_zorgkloof_and_name_their_file(
        login: Login, session: Session) -> None:
    analyst = login("analyst")
    assert upload(analyst, GOOD).status_code == 303
    assert count(session) == 2
    result = outlook.outlook(session, OutlookIn(area_code="GM0637"), project=fake_project)
    gp = next(s for s in result.sectors if s.key == "gp")
    assert not gp.workforce_invented
    assert "staff.csv" in (gp.workforce_source or "")
    assert gp.available_fte is not None
    assert gp.needed_fte is not None
    # 2024: 100 persons × 0.5 = 50 FTE; 2025: (100 + 10 inflow − 10 % outflow) × 0.5 = 50.
    assert gp.available_fte[:2] == pytest.approx([50.0, 50.0])
    # Needed in 2024: FTE + vacancies = 55.
    assert gp.needed_fte[0] == pytest.approx(55.0)
    nursing = next(s for s in result.sectors if s.key == "district_nursing")
    # 14 % aged 60+ retire over 7 years: 200 × 0.14 / 7 = 4 a year; 200 + 20 − 20 − 4 = 196.
    assert nursing.available_fte is not None
    assert nursing.available_fte[1] == pytest.approx(196 * 0.6)
    # A sector not in the file stays invented, and says so.
    hospital = next(s for s in result.sectors if s.key == "hospital")
    assert hospital.workforce_invented
    assert hospital.workforce_source == "invented demo figures"
    listed = login("viewer").get("/api/v1/foresight/workforce").json()
    assert {(f["area_code"], f["sector"]) for f in listed} == {("GM0637", "gp"),
                                                              ("GM0637", "district_nursing")}
    page = login("viewer").get("/foresight/workforce")
    assert "bestand staff.csv, geladen" in page.text


BAD = {
    "negative persons": ("GM0637;gp;-5;0,5;5;10;10;0;0", "persons", "-5.0 moet minstens 0"),
    "unknown sector": ("GM0637;dentistry;5;0,5;5;10;10;0;0", "sector", "Onbekende sector"),
    "part-time above 1": ("GM0637;hospital;5;1,5;5;10;10;0;0", "part_time_factor",
                          "1.5 mag hoogstens 1"),
    "unknown area": ("GM9999;hospital;5;0,5;5;10;10;0;0", "area", "Onbekend gebied GM9999"),
    "duplicate": (GOOD[0], "sector", "als rij 2"),
    "not a number": ("GM0637;hospital;veel;0,5;5;10;10;0;0", "persons", "veel is geen getal"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_staff_file_stores_nothing(login: Login, session: Session, case: str) -> None:
    analyst = login("analyst")
    line, column, message = BAD[case]
    answer = upload(analyst, [GOOD[0], GOOD[1], line])
    assert answer.status_code == 422
    assert "niets opgeslagen" in answer.text
    assert f"rij 4, kolom {column}" in answer.text, answer.text[-1500:]
    assert message in answer.text, answer.text[-1500:]
    assert count(session) == 0
