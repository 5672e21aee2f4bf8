"""The demo region: real CBS 2024 geography, invented but marked providers, one user per role."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verkeerstoren.access.models import User
from verkeerstoren.access.roles import Role
from verkeerstoren.demo.areas import POSTCODES, REGION_GEMEENTEN, contains, load_areas
from verkeerstoren.demo.builder import DemoResult, build_demo
from verkeerstoren.demo.invented import split_codes
from verkeerstoren.errors import Conflict
from verkeerstoren.registry.models import (
    CareUnit,
    Gemeente,
    Location,
    NursingTeam,
    Organisation,
    OrganisationKind,
    ServiceArea,
    UnitBedType,
    Wijk,
)
from verkeerstoren.storage import Database, migrate

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"
KWB_CSV = DATA_DIR / "cbs_kwb_2024_gemeente_wijk" / "kwb2024_gemeente_wijk_regions.csv"
TWELVE = {code for codes in REGION_GEMEENTEN.values() for code in codes}

needs_data = pytest.mark.skipif(not KWB_CSV.is_file(), reason="shared open data not present")


def _kwb_rows() -> list[dict[str, str]]:
    with KWB_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_zoetermeer_has_its_cbs_2024_population(session: Session) -> None:
    zoetermeer = session.get(Gemeente, "GM0637")
    assert zoetermeer is not None
    assert zoetermeer.name == "Zoetermeer"
    assert zoetermeer.population == 128434  # CBS Kerncijfers wijken en buurten 2024
    assert zoetermeer.population_year == 2024
    assert zoetermeer.region is not None
    assert zoetermeer.region.name == "Haaglanden"


@needs_data
def test_gemeenten_and_wijken_match_the_cbs_file(session: Session, demo: DemoResult) -> None:
    rows = _kwb_rows()
    expected_gm = {r["regiocode"]: int(r["AantalInwoners_5"])
                   for r in rows if r["soort_regio"] == "Gemeente"}
    expected_wk = {r["regiocode"]: (r["regionaam"], int(r["AantalInwoners_5"]))
                   for r in rows if r["soort_regio"] == "Wijk"}
    assert demo.used_real_data
    assert set(expected_gm) == TWELVE
    assert len(expected_wk) == 117
    gemeenten = {g.code: g.population for g in session.scalars(select(Gemeente))}
    assert {c: gemeenten[c] for c in TWELVE} == expected_gm
    wijken = {w.code: (w.name, w.population)
              for w in session.scalars(select(Wijk).where(Wijk.gemeente_code.in_(TWELVE)))}
    assert wijken == expected_wk
    assert demo.counts["gemeenten"] == 12
    assert demo.counts["wijken"] == 117


@needs_data
def test_gemeenten_belong_to_their_region(session: Session) -> None:
    for region, codes in REGION_GEMEENTEN.items():
        for code in codes:
            gemeente = session.get(Gemeente, code)
            assert gemeente is not None
            assert gemeente.region is not None
            assert gemeente.region.name == region


def test_every_location_lies_in_the_regions_with_coordinates(session: Session) -> None:
    locations = list(session.scalars(select(Location)))
    assert locations
    for loc in locations:
        assert loc.gemeente_code in TWELVE
        assert loc.wijk is not None
        assert loc.wijk.gemeente_code == loc.gemeente_code
        assert loc.latitude is not None
        assert 50.5 <= loc.latitude <= 53.7
        assert loc.longitude is not None
        assert 3.2 <= loc.longitude <= 7.3
        assert re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", loc.postcode)
        digits = int(loc.postcode[:4])
        assert any(lo <= digits <= hi for lo, hi, _ in POSTCODES[loc.gemeente_code])


@needs_data
def test_locations_spread_over_the_region(session: Session, demo: DemoResult) -> None:
    gemeenten = set(session.scalars(select(Location.gemeente_code).distinct()))
    assert gemeenten == TWELVE
    assert 30 <= demo.counts["locations"] <= 45


@needs_data
def test_interior_points_lie_inside_their_wijk() -> None:
    for wijk in load_areas(DATA_DIR).wijken:
        assert contains(wijk.ring, wijk.longitude, wijk.latitude), wijk.code


def test_every_invented_row_is_marked_demo(session: Session) -> None:
    orgs = list(session.scalars(select(Organisation)))
    assert {o.kind for o in orgs} == set(OrganisationKind)
    for org in orgs:
        assert org.is_demo, org.name
        assert org.name.endswith("(demo)")
    rows: list[Location | CareUnit | NursingTeam] = [
        *session.scalars(select(Location)),
        *session.scalars(select(CareUnit)),
        *session.scalars(select(NursingTeam)),
    ]
    for row in rows:
        assert row.is_demo, row.name
        assert row.name.endswith("(demo)")


def test_there_is_a_user_per_role(session: Session, demo: DemoResult) -> None:
    users = list(session.scalars(select(User)))
    assert {u.role for u in users} >= set(Role)
    assert {u.email for u in users} >= {u.email for u in demo.users}
    by_key = {u.email.split("@")[0]: u for u in demo.users}
    assert by_key["provider"].role == by_key["provider2"].role == Role.PROVIDER
    assert by_key["provider"].organisation != by_key["provider2"].organisation
    coordinator = session.scalar(select(User).where(User.email == by_key["coordinator"].email))
    assert coordinator is not None
    assert coordinator.organisation.kind == OrganisationKind.COORDINATION_POINT
    provider = session.scalar(select(User).where(User.email == by_key["provider"].email))
    assert provider is not None
    own_units = session.scalar(select(func.count()).select_from(CareUnit)
                               .where(CareUnit.organisation_id == provider.organisation_id))
    assert own_units is not None
    assert own_units >= 3
    assert all(len(u.password) >= 10 for u in demo.users)


def test_total_beds_are_in_range(session: Session, demo: DemoResult) -> None:
    total = session.scalar(select(func.sum(UnitBedType.physical_beds)))
    assert total == demo.counts["beds"]
    if demo.used_real_data:
        assert 300 <= total <= 450
    for unit in session.scalars(select(CareUnit)):
        assert 1 <= len(unit.bed_types) <= 3


def test_teams_have_skills_and_service_areas(session: Session, demo: DemoResult) -> None:
    teams = list(session.scalars(select(NursingTeam)))
    assert len(teams) == demo.counts["teams"]
    if demo.used_real_data:
        assert 18 <= len(teams) <= 22
    for team in teams:
        assert team.skills
        assert any(a.postcode_from is not None for a in team.service_areas), team.name
        # A GP who found the team can reach it (the search shows phone or e-mail).
        assert team.email is not None
        assert team.email.endswith("@demo.verkeerstoren.nl")
    assert len({t.email for t in teams}) == len(teams)
    assert session.scalar(select(func.count()).select_from(ServiceArea)
                          .where(ServiceArea.wijk_code.is_not(None)))


def test_counts_match_the_database(session: Session, demo: DemoResult) -> None:
    assert demo.counts["organisations"] == session.scalar(
        select(func.count()).select_from(Organisation))
    assert demo.counts["locations"] == session.scalar(select(func.count()).select_from(Location))
    assert demo.counts["units"] == session.scalar(select(func.count()).select_from(CareUnit))
    assert demo.counts["users"] == len(demo.users) == 7


def test_building_twice_is_refused(session: Session) -> None:
    with pytest.raises(Conflict, match="already built"):
        build_demo(session, DATA_DIR)


def test_missing_data_dir_uses_the_builtin_region(empty_session: Session) -> None:
    result = build_demo(empty_session, Path("/nonexistent"), password="another-password-1")
    assert not result.used_real_data
    assert result.message == "/nonexistent not found: using the small built-in region"
    assert result.counts["gemeenten"] == 1
    assert {u.password for u in result.users} == {"another-password-1"}
    assert {u.role for u in result.users} == set(Role)
    wijk = empty_session.get(Wijk, "WK063701")
    assert wijk is not None
    assert (wijk.name, wijk.population) == ("Meerzicht", 15915)
    total = empty_session.scalar(select(func.sum(UnitBedType.physical_beds)))
    assert total is not None
    assert 25 <= total <= 60
    assert result.counts["teams"] == 3


def _snapshot(url: str) -> list[tuple[object, ...]]:
    database = Database(url)
    try:
        with database.session() as s:
            rows: list[tuple[object, ...]] = [
                (loc.id, loc.name, loc.postcode, loc.wijk_code, loc.latitude, loc.longitude)
                for loc in s.scalars(select(Location).order_by(Location.id))
            ]
            rows += [(b.unit_id, b.bed_type_code, b.physical_beds)
                     for b in s.scalars(select(UnitBedType))]
            rows += [(a.team_id, a.postcode_from, a.postcode_to, a.wijk_code)
                     for a in s.scalars(select(ServiceArea).order_by(ServiceArea.id))]
            return rows
    finally:
        database.dispose()


def test_the_build_is_deterministic(tmp_path: Path) -> None:
    snapshots = []
    for name in ("one", "two"):
        url = f"sqlite:///{tmp_path / name}.db"
        migrate.upgrade(url)
        database = Database(url)
        with database.session() as s:
            build_demo(s, None)
        database.dispose()
        snapshots.append(_snapshot(url))
    assert snapshots[0] == snapshots[1]
    assert snapshots[0]


def test_split_codes_cuts_ranges_into_contiguous_pieces() -> None:
    assert split_codes([(2711, 2729)], 3) == [[(2711, 2717)], [(2718, 2723)], [(2724, 2729)]]
    assert split_codes([(2261, 2267), (2271, 2275)], 2) == [
        [(2261, 2266)], [(2267, 2267), (2271, 2275)]]


@needs_data
def test_the_demo_command_loads_the_open_data_of_the_region(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    # `serve --demo` and `demo` build through the same function: without the open data the
    # regiobeeld of the demo region showed empty maps.
    from click.testing import CliRunner

    from verkeerstoren.cli import main
    from verkeerstoren.opendata.models import AreaValue

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("VERKEERSTOREN_DATABASE_URL", url)
    monkeypatch.setenv("VERKEERSTOREN_DATA_DIR", str(DATA_DIR))
    answer = CliRunner().invoke(main, ["demo"])
    assert answer.exit_code == 0, answer.output
    assert "data set(s) for 12 gemeenten of the registry" in answer.output
    db = Database(url)
    try:
        with db.session() as session:
            stored = session.scalar(select(func.count()).select_from(AreaValue))
            assert stored is not None
            assert stored > 1000
    finally:
        db.dispose()
