"""The region view (share within the norm per sector) and 'where soonest' for referrers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.opendata.fixtures import load_region
from tests.waiting_times.test_reporting import own_location
from verkeerstoren.registry.models import Gemeente
from verkeerstoren.waiting_times import region

WAITS = ("nza_ggz", "pdok_gemeenten")
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_region_share_within_norm_per_sector_uses_the_nza_waits(session: Session) -> None:
    load_region(session, WAITS)
    shares = {s.sector: s for s in region.shares(session, None)}
    ggz = shares["ggz"]
    assert ggz.providers > 10
    assert 0 < ggz.providers_within < ggz.providers
    assert ggz.sources == "NZa 2018"
    assert shares["msz"].providers == 0
    assert shares["msz"].share_within is None


def test_trend_has_both_nza_collections(session: Session) -> None:
    load_region(session, WAITS)
    periods = {p.period for p in region.trend(session, None) if p.sector == "ggz"}
    assert {"2016", "2018"} <= periods


def test_where_soonest_ranks_the_shortest_wait_first_within_the_distance(
        session: Session, login: Callable[[str], Browser]) -> None:
    load_region(session, WAITS)
    location = own_location(session, "Zorggroep Zoetermeer")
    provider = login("provider")
    for care, weeks in (("verpleeghuis", 9), ("verpleeghuis kort", 1)):
        assert provider.post("/api/v1/waits", json={
            "location_id": location.id, "sector": "ouderenzorg", "care_type": care,
            "treatment_weeks": weeks}).status_code == 201
    referrer = login("referrer")
    found = referrer.get("/api/v1/waits/soonest", params={
        "postcode": location.postcode, "care_type": "verpleeghuis", "max_km": 5}).json()
    assert [f["treatment_weeks"] for f in found] == [1, 9]
    assert found[0]["distance_km"] < 1
    ggz = referrer.get("/api/v1/waits/soonest", params={
        "postcode": location.postcode, "sector": "ggz", "care_type": "Angst",
        "max_km": 10}).json()
    assert ggz
    assert all(g["source"] == "NZa 2018" for g in ggz)
    totals = [(g["intake_weeks"] or 0) + (g["treatment_weeks"] or 0) for g in ggz]
    assert totals == sorted(totals)
    page = referrer.get("/wachttijden/soonest", params={"postcode": location.postcode,
                                                        "care_type": "verpleeghuis"})
    assert page.status_code == 200
    assert "verpleeghuis kort" in page.text
    assert referrer.get("/api/v1/waits/soonest",
                        params={"postcode": "0000"}).status_code == 422


def test_the_overview_page_and_export_show_region_waits(
        session: Session, login: Callable[[str], Browser]) -> None:
    load_region(session, WAITS)
    browser = login("viewer")
    page = browser.get("/wachttijden?sector=ggz")
    assert page.status_code == 200
    assert "HSK Groep" in page.text
    assert "data-spec" in page.text
    export = browser.get("/wachttijden/export.csv?sector=ggz")
    assert export.status_code == 200
    assert "HSK Groep" in export.content.decode("utf-8-sig")


def test_the_share_within_the_treeknorm_follows_the_nza_rule_on_the_raw_file(
    session: Session,
) -> None:
    """Recomputed from the NZa 2018 file itself (issue 15 item 5): a provider is within the
    norm when every entry has both waits known, intake ≤ 4, treatment ≤ 10 and total ≤ 14
    weeks; an aanmeldstop counts as not within; entries missing a wait are left out."""
    load_region(session, WAITS)
    codes = set(session.scalars(select(Gemeente.code).where(Gemeente.region_id.is_not(None))))
    raw = pl.read_csv(DATA / "nza_wachttijden_ggz_2018" / "ggz_wachttijden_q1_2018.csv",
                      infer_schema_length=0)

    def weeks(column: str) -> pl.Expr:
        value = pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)
        return pl.when((value >= 0) & (value <= 104)).then(value).otherwise(None)

    rows = raw.with_columns(
        gemeente=pl.lit("GM") + pl.col("Gemeentecodes").str.strip_chars().str.zfill(4),
        intake=weeks("Aanmeldwachttijd"), treatment=weeks("Behandelwachttijd"),
        stop=pl.col("Aanmeldwachttijd").fill_null("").str.strip_chars().str.to_lowercase()
        == "stop",
    ).filter(pl.col("gemeente").is_in(sorted(codes)))
    counted = rows.filter(pl.col("stop") | (pl.col("intake").is_not_null()
                                             & pl.col("treatment").is_not_null()))
    per_provider = counted.group_by("Naam_zorgaanbieder").agg(
        (~pl.col("stop") & (pl.col("intake") <= 4) & (pl.col("treatment") <= 10)
         & (pl.col("intake") + pl.col("treatment") <= 14)).all().alias("within"))
    ggz = {s.sector: s for s in region.shares(session, sorted(codes))}["ggz"]
    assert ggz.providers == per_provider.height
    assert ggz.providers_within == int(per_provider["within"].sum())
    assert ggz.providers_within < ggz.providers
