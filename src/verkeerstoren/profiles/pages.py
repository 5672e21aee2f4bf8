"""Regiobeeld pages: the region map and tables, area profiles, and their exports."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import NotFound
from verkeerstoren.opendata.service import list_datasets
from verkeerstoren.profiles import charts, data, export, service
from verkeerstoren.profiles.indicators import INDICATORS, SECTIONS, WIJK_LEVEL
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view
from verkeerstoren.web.params import RegionId
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Regiobeeld", "/regiobeeld", Permission.PROFILES_VIEW)]

ViewCtx = Annotated[Ctx, view(Permission.PROFILES_VIEW)]
Tpl = Annotated[Templates, Depends(templates)]
AreaCode = Annotated[str, Path(pattern=r"^(GM\d{4}|WK\d{4}[0-9A-Za-z]{2})$")]
IndicatorKey = Annotated[str | None, Query(max_length=60, pattern=r"^[a-z0-9_]+(@\d\d\+)?$")]
TableFmt = Literal["csv", "xlsx"]
ChartFmt = Literal["png", "svg"]


def _spec_json(spec: charts.Spec) -> str:
    # Goes into a <script type="application/json"> block: '</' must not end it early.
    text = json.dumps(spec, separators=(",", ":"), ensure_ascii=False)
    return text.replace("</", "<\\/")


def _download(body: bytes, fmt: str, name: str) -> Response:
    return Response(body, media_type=export.MEDIA[fmt],
                    headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})


def _overview(ctx: Ctx, region: int | None, indicator: str | None) -> service.Overview:
    return service.region_overview(ctx.session, region, indicator, ctx._)


@router.get("/regiobeeld", response_class=HTMLResponse)
def region_page(request: Request, ctx: ViewCtx, tpl: Tpl, region: RegionId = None,
                indicator: IndicatorKey = None) -> HTMLResponse:
    """The region map, gemeente table and wijk ranking on one indicator."""
    o = _overview(ctx, region, indicator)
    choices = [(i.key, ctx._(i.label) + (f" ({i.subgroup})" if i.subgroup else ""), i.section)
               for i in INDICATORS]
    return tpl.render(request, ctx, "profiles/region.html", o=o, choices=choices,
                      sections=SECTIONS, regions=data.regions(ctx.session), region=region,
                      spec=_spec_json(o.map_spec), fmt=lambda v, d=0: export.number(
                          v, d, ctx.locale), wijk_level=o.indicator in WIJK_LEVEL,
                      # urlencode: indicator keys hold "+" ("ervaren_gezondheid_18+"), which a
                      # bare query string turns into a space.
                      query=urlencode({"region": region or "", "indicator": o.indicator.key}))


@router.get("/regiobeeld/map.{fmt}")
def region_map(ctx: ViewCtx, fmt: ChartFmt, region: RegionId = None,
               indicator: IndicatorKey = None) -> Response:
    """The region map as PNG or SVG."""
    o = _overview(ctx, region, indicator)
    return _download(charts.render(o.map_spec, fmt), fmt, f"regiobeeld-{o.indicator.code}")


@router.get("/regiobeeld/ranking.{fmt}")
def ranking_table(ctx: ViewCtx, fmt: TableFmt, region: RegionId = None,
                  indicator: IndicatorKey = None) -> Response:
    """The ranking as CSV or Excel, with its source line."""
    o = _overview(ctx, region, indicator)
    rows = [[r.rank, r.code, r.name, r.gemeente, r.value] for r in o.ranking]
    headers = [ctx._("Rank"), ctx._("Code"), ctx._("Name"), ctx._("Gemeente"),
               ctx._(o.indicator.label)]
    return _download(export.table(fmt, headers, rows, sheet=o.indicator.code, source=o.source),
                     fmt, f"ranking-{o.indicator.code}")


@router.get("/regiobeeld/gemeenten.{fmt}")
def gemeente_table(ctx: ViewCtx, fmt: TableFmt, region: RegionId = None) -> Response:
    """The region's gemeente table as CSV or Excel."""
    o = _overview(ctx, region, None)
    headers = [ctx._("Code"), ctx._("Name"), *[ctx._(i.label) + (
        f" ({i.subgroup})" if i.subgroup else "") for i in o.table_indicators]]
    rows = [[r["code"], r["name"], *[r[i.key] for i in o.table_indicators]]
            for r in o.gemeente_rows]
    sources = "; ".join(data.captions(ctx.session).values())
    return _download(export.table(fmt, headers, rows, sheet="gemeenten", source=sources),
                     fmt, "regiobeeld-gemeenten")


def _profile(ctx: Ctx, code: str) -> service.Profile:
    profile = service.area_profile(ctx.session, code)
    service.add_charts(ctx.session, profile, ctx._)
    return profile


@router.get("/regiobeeld/area/{code}", response_class=HTMLResponse)
def area_page(request: Request, ctx: ViewCtx, tpl: Tpl, code: AreaCode) -> HTMLResponse:
    """A gemeente's or wijk's profile next to its gemeente, the region and the Netherlands."""
    p = _profile(ctx, code)
    specs = {name: _spec_json(spec) for name, spec in p.charts.items()}
    return tpl.render(request, ctx, "profiles/area.html", p=p, specs=specs,
                      fmt=lambda v, d=0: export.number(v, d, ctx.locale))


@router.get("/regiobeeld/area/{code}/chart/{name}.{fmt}")
def area_chart(ctx: ViewCtx, code: AreaCode, name: Annotated[str, Path(max_length=20)],
               fmt: ChartFmt) -> Response:
    """One chart of a profile as PNG or SVG."""
    p = _profile(ctx, code)
    if name not in p.charts:
        raise NotFound("chart", name)
    return _download(charts.render(p.charts[name], fmt), fmt, f"{p.code}-{name}")


@router.get("/regiobeeld/area/{code}/table.{fmt}")
def area_table(ctx: ViewCtx, code: AreaCode, fmt: TableFmt) -> Response:
    """A profile's table as CSV or Excel, one row per indicator with its source."""
    p = service.area_profile(ctx.session, code)
    headers = [ctx._("Section"), ctx._("Indicator"), ctx._("Year"), p.name, p.gemeente_name,
               p.region_name or ctx._("Region"), "Nederland", ctx._("Year") + " Nederland",
               ctx._("Previous"),
               ctx._("Previous year"), ctx._("Source")]
    rows: list[list[Any]] = [
        [ctx._(s), ctx._(r.indicator.label) + (f" ({r.indicator.subgroup})"
                                               if r.indicator.subgroup else ""),
         r.year, r.area, r.gemeente, r.region, r.nl, r.nl_year, r.previous, r.previous_year,
         r.source]
        for s, rows_ in p.sections for r in rows_]
    return _download(export.table(fmt, headers, rows, sheet=p.code), fmt, f"profiel-{p.code}")


@router.get("/regiobeeld/sources", response_class=HTMLResponse)
def sources_page(request: Request, ctx: ViewCtx, tpl: Tpl) -> HTMLResponse:
    """Loaded open data sets with their provenance."""
    return tpl.render(request, ctx, "profiles/sources.html", datasets=list_datasets(ctx.session))
