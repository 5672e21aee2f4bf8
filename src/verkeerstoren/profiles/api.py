"""JSON API of profiles (regiobeeld) and of the loaded open data's provenance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from verkeerstoren.access.roles import Permission
from verkeerstoren.opendata.service import list_datasets
from verkeerstoren.profiles import service
from verkeerstoren.profiles.schemas import (
    DataSetOut,
    ProfileOut,
    RankedOut,
    RankingOut,
    RowOut,
    SectionOut,
)
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view
from verkeerstoren.web.params import RegionId

router = APIRouter(tags=["profiles"])
ViewCtx = Annotated[Ctx, view(Permission.PROFILES_VIEW)]
AreaCode = Annotated[str, Path(pattern=r"^(GM\d{4}|WK\d{4}[0-9A-Za-z]{2})$")]
IndicatorKey = Annotated[str | None, Query(max_length=60, pattern=r"^[a-z0-9_]+(@\d\d\+)?$")]


@router.get("/profiles/areas/{code}", response_model=ProfileOut)
def get_profile(ctx: ViewCtx, code: AreaCode) -> ProfileOut:
    """A gemeente's or wijk's profile with gemeente, region and national comparison."""
    p = service.area_profile(ctx.session, code)
    return ProfileOut(
        code=p.code, name=p.name, level=p.level, gemeente_code=p.gemeente_code,
        gemeente_name=p.gemeente_name, region_name=p.region_name,
        sections=[SectionOut(section=s, rows=[RowOut(
            indicator=r.indicator.key, label=r.indicator.label, unit=r.indicator.unit,
            year=r.year, value=r.area, gemeente=r.gemeente, region=r.region, nl=r.nl,
            previous=r.previous, previous_year=r.previous_year, source=r.source)
            for r in rows]) for s, rows in p.sections])


@router.get("/profiles/ranking", response_model=RankingOut)
def get_ranking(ctx: ViewCtx, indicator: IndicatorKey = None,
                region_id: RegionId = None) -> RankingOut:
    """The region's wijken (or gemeenten) ranked on one indicator, highest first."""
    o = service.region_overview(ctx.session, region_id, indicator)
    return RankingOut(indicator=o.indicator.key, label=o.indicator.label, source=o.source,
                      region_value=o.region_value,
                      areas=[RankedOut(rank=r.rank, code=r.code, name=r.name,
                                       gemeente=r.gemeente, value=r.value) for r in o.ranking])


@router.get("/opendata/datasets", response_model=list[DataSetOut])
def get_datasets(ctx: ViewCtx) -> list[DataSetOut]:
    """Loaded open data sets with publisher, table, year and licence."""
    return [DataSetOut.model_validate(d, from_attributes=True)
            for d in list_datasets(ctx.session)]
