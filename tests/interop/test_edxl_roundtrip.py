"""Our EDXL-HAVE export follows the specification's structure, and export → import keeps the
numbers; an old document is recorded and shows as stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.interop.conftest import fixture, org_of, stamp
from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Role
from verkeerstoren.capacity import board as board_service
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.interop.edxl.documents import HaveVersion, schema
from verkeerstoren.interop.edxl.service import import_document
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.storage.base import utcnow

XML = {"Content-Type": "application/xml"}


def figures(browser: Browser, org_id: int) -> dict[tuple[int, str], tuple[int, int]]:
    rows = browser.get("/api/v1/board").json()["rows"]
    return {(r["unit_id"], r["bed_type_code"]): (r["staffed"], r["available"])
            for r in rows if r["organisation_id"] == org_id and r["reported_at"]}


@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_every_exported_document_is_valid_against_the_schema(
    login: Callable[[str], Browser], session: Session, version: str,
) -> None:
    coordinator = login("coordinator")
    org_id = org_of(session, "provider")
    answer = coordinator.get(f"/api/v1/interop/edxl-have/{org_id}", params={"version": version})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(answer.content)
    schema(HaveVersion(version)).assertValid(root)
    units = {u for u, _ in figures(coordinator, org_id)}
    assert len(root) == len(units)  # one facility / Hospital per reported unit


def test_a_2_0_round_trip_keeps_every_number(
    login: Callable[[str], Browser], session: Session,
) -> None:
    org_id = org_of(session, "provider")
    coordinator = login("coordinator")
    before = figures(coordinator, org_id)
    exported = coordinator.get(f"/api/v1/interop/edxl-have/{org_id}").content

    answer = login("provider").post("/api/v1/interop/edxl-have", content=exported, headers=XML)

    assert answer.status_code == 201, answer.text
    assert answer.json()["accepted"] == len(before)
    assert figures(coordinator, org_id) == before


def test_a_1_0_round_trip_keeps_the_numbers_of_a_unit_with_one_bed_type_per_category(
    login: Callable[[str], Browser], session: Session, own_single_category_bed: UnitBedType,
) -> None:
    bed = own_single_category_bed
    provider = login("provider")
    document = fixture("have-1.0-hand.xml", UNIT=bed.unit_id, CATEGORY="RehabLongTermCare",
                       AVAILABLE=4, BASELINE=5, TO=stamp(utcnow()))
    assert provider.post("/api/v1/interop/edxl-have", content=document,
                         headers=XML).status_code == 201
    coordinator = login("coordinator")
    exported = coordinator.get(f"/api/v1/interop/edxl-have/{org_of(session, 'provider')}",
                               params={"version": "1.0"}).content
    root = etree.fromstring(exported)
    ns = {"h": "urn:oasis:names:tc:emergency:EDXL:HAVE:1.0"}
    [hospital] = root.xpath(f"h:Hospital[.//h:OrganizationID='{bed.unit_id}']", namespaces=ns)
    only = etree.Element(root.tag, nsmap=root.nsmap)
    only.append(hospital)

    answer = provider.post("/api/v1/interop/edxl-have", content=etree.tostring(only),
                           headers=XML)

    assert answer.status_code == 201, answer.text
    row = next(r for r in coordinator.get("/api/v1/board").json()["rows"]
               if r["unit_id"] == bed.unit_id)
    assert (row["staffed"], row["available"]) == (5, 4)


def test_an_old_document_is_recorded_and_flagged_stale(
    session: Session, own_single_category_bed: UnitBedType,
) -> None:
    bed = own_single_category_bed  # never reported, so nothing newer is on the board
    sent = utcnow() - timedelta(hours=30)
    unit = bed.unit
    actor = Actor(role=Role.PROVIDER, organisation_id=unit.organisation_id, label="test")
    document = fixture("have-1.0-hand.xml", UNIT=bed.unit_id, CATEGORY="RehabLongTermCare",
                       AVAILABLE=2, BASELINE=5, TO=stamp(sent))

    result = import_document(session, actor, document, ReportSource.API)

    assert result.accepted == 1
    assert [(s.unit_id, s.bed_type_code) for s in result.stale] == [(bed.unit_id, "hospice")]
    assert result.stale[0].age_hours >= 30
    board = board_service.board(session, board_service.BoardFilter(
        organisation_id=unit.organisation_id))
    [row] = [r for r in board.rows if r.unit_id == bed.unit_id]
    assert row.stale is True
    assert row.reported_at == sent.replace(microsecond=0)


def test_a_document_older_than_the_board_is_refused(
    login: Callable[[str], Browser], own_bed: UnitBedType,
) -> None:
    provider = login("provider")
    old = utcnow() - timedelta(days=10)
    answer = provider.post("/api/v1/interop/edxl-have", content=fixture(
        "have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
        AVAILABLE=1, BASELINE=4, FROM=stamp(old - timedelta(hours=1)), TO=stamp(old)),
        headers=XML)
    assert answer.status_code == 422, answer.text
    assert "already has newer figures" in answer.json()["errors"][0]["message"]
