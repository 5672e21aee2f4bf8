"""Bad EDXL-HAVE input: a clear 422 naming the element and line, and nothing written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.interop.conftest import fixture, now_values
from verkeerstoren.capacity.models import AvailabilityReport
from verkeerstoren.registry.models import UnitBedType

XML = {"Content-Type": "application/xml"}
URL = "/api/v1/interop/edxl-have"

# The classic billion laughs: nine levels of ten references, 10^9 "lol"s if expanded.
BILLION_LAUGHS = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n' + b"".join(
    f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'.encode()
    for n in range(1, 10)) + b']>\n<HospitalStatus xmlns="urn:oasis:names:tc:emergency:EDXL:' \
    b'HAVE:1.0">&lol9;</HospitalStatus>\n'
EXTERNAL_ENTITY = (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                   b'\n<HAVE xmlns="urn:oasis:names:tc:emergency:edxl:have:2.0">&e;</HAVE>\n')


def reports(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AvailabilityReport)) or 0


def post(browser: Browser, body: bytes) -> tuple[int, list[dict[str, object]]]:
    answer = browser.post(URL, content=body, headers=XML)
    errors: list[dict[str, object]] = answer.json().get("errors", [])
    return answer.status_code, errors


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entities_and_dtds_are_refused_unexpanded(
    login: Callable[[str], Browser], session: Session, body: bytes,
) -> None:
    before = reports(session)
    status, errors = post(login("provider"), body)
    assert status == 422
    assert errors == [{"row": 1, "field": "file", "message":
                       "the document declares a DTD or entities, which EDXL-HAVE does not use"}]
    assert reports(session) == before


def test_the_parser_itself_expands_no_entity() -> None:
    # Even past the early refusal, the parser's options resolve nothing and read no file.
    from lxml import etree

    from verkeerstoren.interop.edxl.documents import _parser

    root = etree.fromstring(EXTERNAL_ENTITY, _parser())
    assert "root:" not in etree.tostring(root).decode()


def test_malformed_xml_names_the_line(login: Callable[[str], Browser], session: Session) -> None:
    before = reports(session)
    body = b'<?xml version="1.0"?>\n<HAVE xmlns="urn:oasis:names:tc:emergency:edxl:have:2.0">\n' \
           b"<facility>\n</HAVE>\n"
    status, errors = post(login("provider"), body)
    assert status == 422
    assert errors[0]["field"] == "file"
    assert errors[0]["row"] == 4
    assert str(errors[0]["message"]).startswith("this is not well-formed XML")
    assert reports(session) == before


def test_a_document_of_another_standard_is_refused(login: Callable[[str], Browser]) -> None:
    status, errors = post(login("provider"), b"<HAVE>nope</HAVE>")
    assert status == 422
    assert "EDXL-HAVE 2.0 HAVE element" in str(errors[0]["message"])


def test_a_missing_element_is_named_with_its_line(
    login: Callable[[str], Browser], session: Session, own_bed: UnitBedType,
) -> None:
    before = reports(session)
    text = fixture("have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
                   AVAILABLE=1, BASELINE=4, **now_values()).decode()
    start = text.index("<have:baselineCount>")
    body = (text[:start] + text[text.index("\n", start) + 1:]).encode()
    status, errors = post(login("provider"), body)
    assert status == 422
    # libxml2 names the parent whose content is incomplete, and what it expected.
    assert [(e["field"], e["row"]) for e in errors] == [("serviceStatus", 22)]
    assert "baselineCount" in str(errors[0]["message"])
    assert reports(session) == before


def test_an_unsupported_element_is_refused_by_name(
    login: Callable[[str], Browser], own_bed: UnitBedType,
) -> None:
    text = fixture("have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
                   AVAILABLE=1, BASELINE=4, **now_values()).decode()
    body = text.replace("</have:serviceStatus>",
                        "<have:colourCode>green</have:colourCode></have:serviceStatus>").encode()
    status, errors = post(login("provider"), body)
    assert status == 422
    assert errors[0]["field"] == "colourCode"


def test_a_time_without_zone_and_a_future_time_are_refused(
    login: Callable[[str], Browser], own_bed: UnitBedType,
) -> None:
    provider = login("provider")
    values = {"UNIT": own_bed.unit_id, "BED_TYPE": own_bed.bed_type_code, "AVAILABLE": 1,
              "BASELINE": 4}
    status, errors = post(provider, fixture("have-2.0-hand.xml", FROM="2026-01-01T07:00:00Z",
                                            TO="2026-01-01T08:00:00", **values))
    assert status == 422
    assert (errors[0]["field"], errors[0]["row"]) == ("toDateTime", 13)
    status, errors = post(provider, fixture("have-2.0-hand.xml", FROM="2099-01-01T07:00:00Z",
                                            TO="2099-01-01T08:00:00Z", **values))
    assert status == 422
    assert "lies in the future" in str(errors[0]["message"])


def test_more_available_than_baseline_is_refused(
    login: Callable[[str], Browser], own_bed: UnitBedType,
) -> None:
    status, errors = post(login("provider"), fixture(
        "have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
        AVAILABLE=5, BASELINE=4, **now_values()))
    assert status == 422
    assert [(e["field"], e["row"]) for e in errors] == [("availableCount", 16)]


def test_a_viewer_may_not_import(login: Callable[[str], Browser], own_bed: UnitBedType) -> None:
    answer = login("coordinator").post(URL, content=fixture(
        "have-2.0-hand.xml", UNIT=own_bed.unit_id, BED_TYPE=own_bed.bed_type_code,
        AVAILABLE=1, BASELINE=4, **now_values()), headers=XML)
    assert answer.status_code == 403
