"""FHIR directory: every resource we serve passes the independent FHIR models and R4's code
lists; searches filter and page as FHIR's search rules say; who may read what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.interop.fhir_rules import VALIDATED, validate
from verkeerstoren.registry.models import Location, Organisation, UnitBedType

FHIR_JSON = "application/fhir+json"


def _all(browser: Browser, url: str) -> list[dict[str, Any]]:
    """Every resource of a search, following the Bundle's next links; validates each page."""
    found: list[dict[str, Any]] = []
    next_url: str | None = url
    total = None
    while next_url:
        answer = browser.get(next_url)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith(FHIR_JSON)
        page = answer.json()
        validate(page)
        total = page["total"]
        found += [e["resource"] for e in page.get("entry", [])]
        next_url = next((link["url"] for link in page["link"] if link["relation"] == "next"),
                        None)
    assert total == len(found)
    return found


def test_every_directory_resource_validates(login: Callable[[str], Browser],
                                            session: Session) -> None:
    admin = login("viewer")
    before = sum(VALIDATED.values())
    orgs = _all(admin, "/fhir/Organization?_count=200")
    locations = _all(admin, "/fhir/Location?_count=200")
    services = _all(admin, "/fhir/HealthcareService?_count=500")
    assert len(orgs) == len(session.scalars(select(Organisation)).all())
    sites = [r for r in locations if r["id"].startswith("site-")]
    assert len(sites) == len(session.scalars(select(Location)).all())
    beds = [r for r in services if r["id"].startswith("unit-")]
    assert len(beds) == len(session.scalars(select(UnitBedType)).all())
    assert any(r["id"].startswith("team-") for r in services)
    assert sum(VALIDATED.values()) - before >= len(orgs) + len(locations) + len(services)


def test_paging_follows_next_links_without_gaps(login: Callable[[str], Browser]) -> None:
    viewer = login("viewer")
    whole = [r["id"] for r in _all(viewer, "/fhir/Location?_count=500")]
    paged = [r["id"] for r in _all(viewer, "/fhir/Location?_count=7")]
    assert paged == whole
    first = viewer.get("/fhir/Location?_count=7").json()
    assert len(first["entry"]) == 7
    assert first["total"] == len(whole)


def test_search_parameters(login: Callable[[str], Browser], session: Session) -> None:
    viewer = login("viewer")
    site = session.scalars(select(Location).order_by(Location.id)).first()
    assert site is not None
    # address-postalcode is a string search: starts with, case and space insensitive.
    prefix = site.postcode[:4] + " " + site.postcode[4:5].lower()
    hits = _all(viewer, f"/fhir/Location?address-postalcode={prefix}&type=si")
    assert f"site-{site.id}" in {r["id"] for r in hits}
    assert all(r["address"]["postalCode"].replace(" ", "").startswith(
        prefix.replace(" ", "").upper()) for r in hits)
    by_id = _all(viewer, "/fhir/Location?identifier="
                 f"https://verkeerstoren.nl/fhir/NamingSystem/location|{site.id}")
    assert [r["id"] for r in by_id] == [f"site-{site.id}"]
    units = _all(viewer, f"/fhir/Location?partof=Location/site-{site.id}")
    assert units
    assert all(r["partOf"]["reference"] == f"Location/site-{site.id}" for r in units)
    name = site.name[:5].upper()
    assert f"site-{site.id}" in {r["id"] for r in _all(viewer, f"/fhir/Location?name={name}")}
    teams = _all(viewer, "/fhir/HealthcareService?type=district_nursing")
    assert teams
    assert all(r["id"].startswith("team-") for r in teams)
    crisis = _all(viewer, "/fhir/HealthcareService?type=https://verkeerstoren.nl/fhir/"
                  "CodeSystem/bed-type|ltc_crisis")
    assert crisis
    assert all(r["type"][0]["coding"][0]["code"] == "ltc_crisis" for r in crisis)
    assert _all(viewer, "/fhir/Organization?_lastUpdated=gt2999-01-01") == []
    everyone = _all(viewer, "/fhir/Organization")
    assert _all(viewer, "/fhir/Organization?_lastUpdated=ge2000-01-01") == everyone
    assert _all(viewer, "/fhir/Organization?type=prov")


def test_reads_and_errors_are_fhir(login: Callable[[str], Browser], client: Browser) -> None:
    viewer = login("viewer")
    unit = viewer.get("/fhir/Location?type=wa&_count=1").json()["entry"][0]["resource"]
    read = viewer.get(f"/fhir/Location/{unit['id']}")
    assert read.status_code == 200
    assert read.json() == unit
    missing = viewer.get("/fhir/Organization/999999")
    assert missing.status_code == 404
    validate(missing.json())
    bad = viewer.get("/fhir/Location?_lastUpdated=yesterday")
    assert bad.status_code == 422
    assert bad.json()["issue"][0]["expression"] == ["_lastUpdated"]
    # The CapabilityStatement is public; the directory needs a login or an API token.
    metadata = client.get("/fhir/metadata")
    assert metadata.status_code == 200
    validate(metadata.json())
    anonymous = client.get("/fhir/Location", headers={"Accept": FHIR_JSON})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    validate(anonymous.json())
    token = client.get("/fhir/Location", headers={"Authorization": "Bearer vt_made-up"})
    assert token.status_code == 401
