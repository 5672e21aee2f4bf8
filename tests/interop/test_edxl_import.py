"""EDXL-HAVE documents written by hand from the specifications change the board (issue 17)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.interop.conftest import fixture, now_values
from verkeerstoren.capacity.models import AvailabilityReport
from verkeerstoren.registry.models import UnitBedType

XML = {"Content-Type": "application/xml"}


def board_row(browser: Browser, unit_id: int, bed_type: str) -> dict[str, Any]:
    rows = browser.get("/api/v1/board").json()["rows"]
    found = [r for r in rows if r["unit_id"] == unit_id and r["bed_type_code"] == bed_type]
    assert len(found) == 1
    row: dict[str, Any] = found[0]
    return row


def reports(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AvailabilityReport)) or 0


def test_a_hand_written_have_2_0_document_changes_the_board(
    login: Callable[[str], Browser], own_bed: UnitBedType,
) -> None:
    provider = login("provider")
    staffed = own_bed.physical_beds
    document = fixture("have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
                       AVAILABLE=2, BASELINE=staffed, **now_values())

    answer = provider.post("/api/v1/interop/edxl-have", content=document, headers=XML)

    assert answer.status_code == 201, answer.text
    assert answer.json() == {"version": "2.0", "accepted": 1, "stale": [], "over_capacity": 0}
    row = board_row(login("coordinator"), own_bed.unit_id, own_bed.bed_type_code)
    assert (row["staffed"], row["available"], row["occupied"]) == (staffed, 2, staffed - 2)
    assert row["stale"] is False


def test_a_hand_written_have_1_0_document_changes_the_board(
    login: Callable[[str], Browser], own_single_category_bed: UnitBedType,
) -> None:
    bed = own_single_category_bed
    provider = login("provider")
    category = ("AdultPsychiatric" if bed.bed_type_code.startswith("mental_health")
                else "RehabLongTermCare")
    document = fixture("have-1.0-hand.xml", UNIT=bed.unit_id, CATEGORY=category,
                       AVAILABLE=1, BASELINE=bed.physical_beds, **now_values())

    answer = provider.post("/api/v1/interop/edxl-have", content=document, headers=XML)

    assert answer.status_code == 201, answer.text
    assert answer.json()["version"] == "1.0"
    row = board_row(login("coordinator"), bed.unit_id, bed.bed_type_code)
    assert (row["staffed"], row["available"]) == (bed.physical_beds, 1)
    # The additional capacity in 24 h / 72 h has no field of ours: it is kept in the remark.
    assert row["remark"] == "EDXL-HAVE: 2 more within 24 h; EDXL-HAVE: 4 more within 72 h"


def test_a_negative_available_count_is_recorded_as_full(
    login: Callable[[str], Browser], own_bed: UnitBedType,
) -> None:
    provider = login("provider")
    document = fixture("have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
                       AVAILABLE=-3, BASELINE=own_bed.physical_beds, **now_values())

    answer = provider.post("/api/v1/interop/edxl-have", content=document, headers=XML)

    assert answer.status_code == 201, answer.text
    assert answer.json()["over_capacity"] == 1
    row = board_row(login("coordinator"), own_bed.unit_id, own_bed.bed_type_code)
    assert (row["available"], row["occupied"]) == (0, own_bed.physical_beds)
    assert row["remark"] == "EDXL-HAVE: over capacity by 3"


def test_a_bed_type_the_region_does_not_have_is_refused_by_element(
    login: Callable[[str], Browser], session: Session, own_bed: UnitBedType,
) -> None:
    before = reports(session)
    document = fixture("have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE="adult_icu",
                       AVAILABLE=1, BASELINE=4, **now_values())

    answer = login("provider").post("/api/v1/interop/edxl-have", content=document, headers=XML)

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["errors"]
    assert problem["field"] == "facilityID"
    assert problem["row"] == 16  # the serviceListItem's line in the fixture
    assert "adult_icu" in problem["message"]
    assert reports(session) == before


def test_an_unknown_have_1_0_bed_type_is_a_schema_error(
    login: Callable[[str], Browser], session: Session, own_bed: UnitBedType,
) -> None:
    before = reports(session)
    document = fixture("have-1.0-hand.xml", UNIT=own_bed.unit_id, CATEGORY="Hospice",
                       AVAILABLE=1, BASELINE=4, **now_values())

    answer = login("provider").post("/api/v1/interop/edxl-have", content=document, headers=XML)

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["errors"]
    assert problem["field"] == "BedType"
    assert problem["row"] == 14
    assert "Hospice" in problem["message"]
    assert reports(session) == before


def test_another_organisations_unit_is_refused_and_nothing_is_written(
    login: Callable[[str], Browser], session: Session, own_bed: UnitBedType,
    other_bed: UnitBedType,
) -> None:
    before = reports(session)
    ours = fixture("have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
                   AVAILABLE=1, BASELINE=own_bed.physical_beds, **now_values()).decode()
    theirs = fixture("have-2.0-hand.xml", UNIT=other_bed.unit_id,
                     BED_TYPE=other_bed.bed_type_code, AVAILABLE=1,
                     BASELINE=other_bed.physical_beds, **now_values()).decode()
    # Two facilities in one document: ours first, then the other organisation's.
    facility = theirs[theirs.index("<have:facility>"):theirs.index("</have:HAVE>")]
    document = ours.replace("</have:HAVE>", facility + "</have:HAVE>").encode()

    answer = login("provider").post("/api/v1/interop/edxl-have", content=document, headers=XML)

    assert answer.status_code == 422, answer.text
    problems = answer.json()["errors"]
    assert [p["field"] for p in problems] == ["facilityID"]
    assert str(other_bed.unit_id) in problems[0]["message"]
    assert reports(session) == before
