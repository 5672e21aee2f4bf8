"""Issue 15 items 6 and 10: every comparator carries its own year; the 80-plus figures and the
Vektis 2023 cost breakdown per care category, checked against the raw files."""

from __future__ import annotations

import csv

from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.opendata.fixtures import DATA_DIR, load_region, parsed
from verkeerstoren.profiles import service

KERNCIJFERS = DATA_DIR / "cbs_regionale_kerncijfers_2015" / \
    "70072ned_UntypedDataSet_06062018_000805.csv"
CATEGORIES = DATA_DIR / "vektis_zvw_gemeente_2023_benchmark" / \
    "category_breakdown_all_municipalities.csv"


def _kerncijfers(code: str) -> dict[str, str]:
    with KERNCIJFERS.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            if row["RegioS"].strip() == code:
                return {k: v.strip() for k, v in row.items()}
    raise AssertionError(code)


def _row(profile: service.Profile, key: str) -> service.Row:
    return next(r for _, rows in profile.sections for r in rows if r.indicator.key == key)


def test_the_netherlands_comparator_says_its_year(session: Session, login: object) -> None:
    load_region(session)
    nl = _kerncijfers("NL01")
    assert nl["Perioden"] == "2015JJ00"
    profile = service.area_profile(session, "GM0637")
    population = _row(profile, "population")
    assert population.year == 2024
    assert population.nl == float(nl["TotaleBevolking_1"]) == 16900726
    assert population.nl_year == 2015
    assert population.nl_other_year
    # Same year available: the Netherlands figure of that year, unlabelled.
    health = _row(profile, "good_health@18+")
    assert (health.year, health.nl_year, health.nl_other_year) == (2020, 2020, False)
    viewer: Browser = login("viewer")  # type: ignore[operator]
    page = viewer.get("/regiobeeld/area/GM0637")
    assert page.status_code == 200
    assert "16.900.726" in page.text
    after = page.text.split("16.900.726", 1)[1][:80]
    assert "(2015)" in after


def test_the_80_plus_count_and_share_come_from_kerncijfers_2015(session: Session) -> None:
    raw = _kerncijfers("GM0637")
    data = parsed("cbs_kerncijfers", 2015).values
    assert data is not None
    zoetermeer = {r["indicator"]: r["value"] for r in data.filter(
        data["area_code"] == "GM0637").iter_rows(named=True)}
    assert zoetermeer["age_80plus"] == float(raw["k_80JaarOfOuder_12"]) == 4361
    assert zoetermeer["pct_age_80plus"] == float(raw["k_80JaarOfOuder_21"])
    load_region(session)
    profile = service.area_profile(session, "GM0637")
    count = _row(profile, "age_80plus")
    assert (count.area, count.year) == (4361, 2015)
    assert _row(profile, "pct_age_80plus").area == float(raw["k_80JaarOfOuder_21"])


def test_the_vektis_2023_breakdown_per_care_category_is_imported(session: Session) -> None:
    with CATEGORIES.open(encoding="utf-8") as handle:
        raw = {row["care_category"]: row for row in csv.DictReader(handle)
               if row["gemeentenaam"] == "ZOETERMEER"}
    assert len(raw) == 11
    load_region(session)
    profile = service.area_profile(session, "GM0637")
    hospital = _row(profile, "cost_share_medical_specialist")
    assert hospital.year == 2023
    assert hospital.area is not None
    assert abs(hospital.area - float(
        raw["Medical specialist care"]["actual_cost_share_percent"])) < 1e-9
    pharmacy = _row(profile, "cost_share_pharmacy")
    assert pharmacy.area is not None
    assert abs(pharmacy.area - float(raw["Pharmacy"]["actual_cost_share_percent"])) < 1e-9
    assert "category" in hospital.source.lower() or "categorie" in hospital.source.lower()
