"""Loaded figures are stored with their provenance, replaced per data set and year."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.opendata.fixtures import load_region, parsed
from verkeerstoren.access.actor import Actor, system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.errors import Forbidden
from verkeerstoren.opendata import service
from verkeerstoren.opendata.models import AreaShape, AreaValue, DataSet, ExternalWait


def test_every_figure_carries_publisher_table_year_and_licence(session: Session) -> None:
    load_region(session)
    row = session.execute(
        select(AreaValue.value, DataSet.publisher, DataSet.table_id, DataSet.year,
               DataSet.licence).join(DataSet)
        .where(AreaValue.area_code == "GM0637", AreaValue.indicator == "population",
               DataSet.key == "cbs_kwb")).one()
    assert tuple(row) == (128434.0, "CBS", "85984NED", 2024, "CC BY 4.0")
    keys = set(session.scalars(select(DataSet.key)))
    assert {"rivm_health_18plus", "rivm_health_65plus", "nza_ggz", "pdok_wijken",
            "vektis_zvw", "vektis_benchmark", "cbs_kerncijfers"} <= keys


def test_the_region_scope_stores_the_region_and_the_national_figures(session: Session) -> None:
    load_region(session)
    codes = set(session.scalars(select(AreaValue.area_code).distinct()))
    assert "NL01" in codes
    assert "GM0637" in codes
    assert "WK041703" in codes
    assert "GM0363" not in codes  # Amsterdam is not in the demo regions
    assert session.scalar(select(func.count()).select_from(AreaShape).where(
        AreaShape.level == "WK", AreaShape.geometry.is_not(None))) == 123
    assert session.scalar(select(func.count()).select_from(ExternalWait).join(DataSet).where(
        DataSet.year == 2018)) == 350


def test_loading_a_data_set_again_replaces_it(session: Session) -> None:
    actor = system_actor("test")
    keep = service.region_scope(session)
    service.store(session, actor, parsed("cbs_kwb", 2024), keep=keep)
    first = session.scalar(select(func.count()).select_from(AreaValue))
    service.store(session, actor, parsed("cbs_kwb", 2024), keep=keep)
    assert session.scalar(select(func.count()).select_from(AreaValue)) == first
    assert session.scalar(select(func.count()).select_from(DataSet)) == 1


def test_only_an_unscoped_actor_may_load_open_data(session: Session) -> None:
    provider = Actor(role=Role.PROVIDER, organisation_id=1, label="p", user_id=1)
    try:
        service.store(session, provider, parsed("cbs_kwb", 2024))
    except Forbidden:
        return
    raise AssertionError("a provider loaded open data")
