"""Profiles compare a wijk with its gemeente, the region and NL, and rank wijken."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.opendata.fixtures import load_region
from verkeerstoren.profiles import charts, service
from verkeerstoren.profiles.data import regions
from verkeerstoren.profiles.indicators import INDICATORS


def row(profile: service.Profile, key: str) -> service.Row:
    return next(r for _, rows in profile.sections for r in rows if r.indicator.key == key)


def test_a_wijk_profile_compares_with_its_gemeente_region_and_nl(session: Session) -> None:
    load_region(session)
    profile = service.area_profile(session, "WK063702")
    assert (profile.name, profile.gemeente_name, profile.region_name) == (
        "Buytenwegh de Leyens", "Zoetermeer", "Haaglanden")
    health = row(profile, "good_health@18+")
    assert (health.area, health.gemeente, health.nl, health.year) == (76.4, 77.7, 78.4, 2020)
    assert health.previous_year == 2016
    assert health.change is not None
    assert health.region is not None
    assert 70 < health.region < 80
    assert "50090NED" in health.source
    population = row(profile, "population")
    assert (population.area, population.gemeente) == (19985, 128434)


def test_the_region_figure_sums_counts_and_weights_shares(session: Session) -> None:
    load_region(session)
    haaglanden = next(r for r in regions(session) if r.name == "Haaglanden")
    overview = service.region_overview(session, haaglanden.id, "population")
    gemeenten = {r["code"]: r["population"] for r in overview.gemeente_rows}
    assert overview.region_value == sum(gemeenten.values())
    assert gemeenten["GM0637"] == 128434


def test_ranking_finds_the_low_ses_wijken_the_seeds_name(session: Session) -> None:
    load_region(session)
    overview = service.region_overview(session, None, "difficulty_making_ends_meet@18+")
    zoetermeer = [r for r in overview.ranking if r.gemeente == "Zoetermeer"]
    assert zoetermeer[0].name == "Meerzicht"
    assert "Buytenwegh de Leyens" in [r.name for r in zoetermeer[:4]]
    assert len(overview.ranking) == 117
    assert overview.level == "WK"


def test_the_map_is_a_vega_lite_geoshape_over_the_real_boundaries(session: Session) -> None:
    load_region(session)
    spec = service.region_overview(session, None, None).map_spec
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["layer"][0]["mark"]["type"] == "geoshape"
    features = spec["datasets"]["areas"]
    assert len(features) == 123
    assert features[0]["geometry"]["type"] in ("Polygon",
                                                                         "MultiPolygon")
    assert "50090NED" in spec["title"]["subtitle"]
    outlines = spec["datasets"]["outlines"]
    assert len(outlines) == 12


def test_gemeente_only_indicators_are_mapped_per_gemeente(session: Session) -> None:
    load_region(session)
    overview = service.region_overview(session, None, "scr")
    assert overview.level == "GM"
    assert len(overview.ranking) == 12
    assert overview.region_value is None  # a standardised ratio is not averaged


def _colour_fields(spec: dict[str, Any]) -> list[str]:
    return [layer["encoding"]["color"]["condition"]["field"] for layer in spec["layer"]
            if "color" in layer.get("encoding", {})]


def _texts(spec: dict[str, Any]) -> list[str]:
    return [layer["mark"]["text"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]


def test_a_map_without_any_value_says_no_data_instead_of_a_nan_legend(session: Session) -> None:
    # Nothing loaded (the demo before import-opendata): no areas, no values, for every indicator.
    for ind in INDICATORS:
        spec = service.region_overview(session, None, ind.key).map_spec
        assert _colour_fields(spec) == [], ind.key  # a scale over no values: a "NaN" legend
        assert _texts(spec) == ["no data"], ind.key
    # Boundaries loaded but no health figures: grey wijken, still no colour scale.
    load_region(session, ("pdok_wijken", "pdok_gemeenten"))
    spec = service.region_overview(session, None, "good_health@18+").map_spec
    assert len(spec["datasets"]["areas"]) == 123
    assert _colour_fields(spec) == []
    svg = charts.render(spec, "svg").decode()
    assert "NaN" not in svg
    assert "no data" in svg
    # Figures for some areas: the usual colour legend, no message.
    filled = service.region_overview(session, None, "pct_age_65plus").map_spec
    assert _colour_fields(filled) == ["properties.value"]
    assert _texts(filled) == []
