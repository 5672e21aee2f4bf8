"""Projecting the demo's areas from the open data stored in the database, the API, and bad
input (an area without age data, a lever or horizon out of range): clear 4xx, nothing stored."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.opendata.fixtures import load_region
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight import population, population_service
from verkeerstoren.foresight.population import PopulationLevers
from verkeerstoren.opendata.models import AreaValue

Login = Callable[[str], Browser]
KEYS = ("vektis_zvw", "cbs_population_dynamics", "cbs_kerncijfers", "pdok_gemeenten")


def _region(session: Session, name: str) -> str:
    return next(code for code, label in population.areas(session) if label == name)


def test_areas_are_the_demo_regions_their_gemeenten_and_the_netherlands(session: Session) -> None:
    areas = dict(population.areas(session))
    assert "Haaglanden" in areas.values()
    assert "Gooi en Vechtstreek" in areas.values()
    assert areas["GM0637"] == "Zoetermeer"
    assert areas["NL01"] == "Nederland"


def test_a_region_is_the_sum_of_its_gemeenten_and_starts_at_cbs_count(session: Session) -> None:
    load_region(session, KEYS)
    code = _region(session, "Gooi en Vechtstreek")
    region = population.project_area(session, code, until=2040)
    assert region.years[0] == 2024
    assert region.years[-1] == 2040
    assert region.counts.shape == (17, 2, 19)
    _, members = population.resolve(session, code)
    assert "GM1942" in members  # Gooise Meren, merged in 2016, projected as one gemeente
    parts = [population.project_area(session, c, until=2040) for c in members]
    assert np.allclose(region.total(), sum(p.total() for p in parts))
    # The base year is CBS's population on 1 January 2024 (31 December 2023 of the dynamics).
    base = session.scalar(select(func.sum(AreaValue.value)).where(
        AreaValue.area_code.in_(members), AreaValue.indicator == "population_31dec",
        AreaValue.year == 2023))
    assert region.total()[0] == pytest.approx(base)
    # Ageing: the 80-plussers grow faster than the population as a whole to 2040.
    assert region.aged(80)[-1] / region.aged(80)[0] > region.total()[-1] / region.total()[0]
    assert region.method == "cohort-component"
    assert any("Rogers-Castro" in a for a in region.assumptions)


def test_the_migration_lever_moves_the_projection(session: Session) -> None:
    load_region(session, KEYS)
    none = population.project_area(session, "GM0637", 2030, PopulationLevers(0.0))
    usual = population.project_area(session, "GM0637", 2030, PopulationLevers(1.0))
    double = population.project_area(session, "GM0637", 2030, PopulationLevers(2.0))
    assert none.total()[0] == usual.total()[0] == double.total()[0]
    assert none.total()[-1] != usual.total()[-1]
    gaps = (usual.total()[-1] - none.total()[-1], double.total()[-1] - usual.total()[-1])
    assert gaps[0] == pytest.approx(gaps[1], rel=0.1)


def test_the_netherlands_is_projected_from_its_own_figures(session: Session) -> None:
    load_region(session, KEYS)
    nl = population.project_area(session, "NL01", until=2030)
    assert 17_900_000 < nl.total()[0] < 18_000_000
    assert nl.total()[-1] > nl.total()[0]


@pytest.mark.parametrize(("area", "until", "factor", "field"), [
    ("GM0637", 2040, 3.5, "migration_factor"),
    ("GM0637", 2040, -0.1, "migration_factor"),
    ("GM0637", 2061, 1.0, "until"),
    ("GM9999", 2040, 1.0, "area"),
])
def test_bad_levers_and_areas_are_refused_naming_the_field(
        session: Session, area: str, until: int, factor: float, field: str) -> None:
    with pytest.raises(ValidationProblem) as caught:
        population.project_area(session, area, until, PopulationLevers(factor))
    assert caught.value.field == field


def test_an_area_without_age_data_is_refused_and_nothing_is_stored(session: Session) -> None:
    load_region(session, ("cbs_population_dynamics",))  # no Vektis: no population by age
    before = session.scalar(select(func.count()).select_from(AreaValue))
    with pytest.raises(ValidationProblem, match="no population by age") as caught:
        population.project_area(session, "GM0637")
    assert caught.value.field == "area"
    assert session.scalar(select(func.count()).select_from(AreaValue)) == before


def test_backtests_of_a_gemeente_cover_it_and_its_region(session: Session) -> None:
    load_region(session, KEYS)
    rows = population_service.backtests(session, "GM0637")
    scopes = {(r.measure, r.scope): r for r in rows}
    assert ("total_population", "Zoetermeer") in scopes
    region = next(r for r in rows if r.measure == "total_population" and r.areas > 1)
    assert region.scope == "Haaglanden"
    assert region.areas == 5
    assert region.model_mape > 0
    assert region.naive_mape > 0
    assert ("share_65plus", "Zoetermeer") in scopes


def test_the_api_answers_with_age_groups_and_backtests(login: Login, session: Session) -> None:
    load_region(session, KEYS)
    answer = login("viewer").get("/api/v1/foresight/population",
                                 params={"area": "GM0637", "until": 2030})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["years"] == list(range(2024, 2031))
    assert len(body["age_groups"]) == 19
    assert body["age_groups"][-1]["age_group"] == "90+"
    group_sum = sum(g["male"][0] + g["female"][0] for g in body["age_groups"])
    assert group_sum == pytest.approx(body["total"][0], abs=20)
    assert body["backtests"][0]["naive_mape"] > 0
    assert "naive" in body["backtests"][0]["baseline"]


@pytest.mark.parametrize(("params", "field"), [
    ({"area": "GM0637", "migration_factor": 4}, "migration_factor"),
    ({"area": "GM0637", "until": 2100}, "until"),
    ({"area": "XX"}, "area"),
    ({"area": "GM9999"}, "area"),
])
def test_the_api_refuses_bad_input_naming_the_field(login: Login, params: dict[str, str | int],
                                                     field: str) -> None:
    answer = login("viewer").get("/api/v1/foresight/population", params=params)
    assert answer.status_code == 422
    assert field in answer.text


def test_the_api_needs_a_login(client: Browser) -> None:
    assert client.get("/api/v1/foresight/population",
                      params={"area": "NL01"}).status_code == 401


@pytest.mark.parametrize("params", [
    {"area": "NL01", "until": 2024},
    {"area": "GM0637", "migration_factor": 0},
    {"area": "GM0637", "migration_factor": 3},
    {"area": "RG0"},
    {"area": "GM0637", "migration_factor": "nan"},
    {"area": "GM0637", "migration_factor": "inf"},
    {"area": "GM0637", "until": "1e309"},
])
def test_the_api_answers_edge_values_without_a_server_error(
        login: Login, session: Session, params: dict[str, str | int]) -> None:
    load_region(session, KEYS)
    answer = login("viewer").get("/api/v1/foresight/population", params=params)
    assert answer.status_code in (200, 422), answer.text
    if answer.status_code == 200:
        assert len(answer.json()["years"]) >= 1
