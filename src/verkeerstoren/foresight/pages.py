"""Foresight pages (S2): the population projection with its backtests and exports; demand,
the zorgkloof, scenarios and beds-needed."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight import (
    beds,
    compare,
    inputs,
    measures,
    official,
    outlook,
    outlook_charts,
    population,
    population_charts,
    population_service,
    rates,
    staff_import,
)
from verkeerstoren.foresight.api import PERMISSION
from verkeerstoren.foresight.scenarios import ALL, LEVERS
from verkeerstoren.foresight.schemas import (
    AREA_PATTERN,
    BedsPerYearIn,
    BedsPerYearOut,
    ComparisonIn,
    OutlookIn,
)
from verkeerstoren.foresight.uploads import pages as uploads_pages
from verkeerstoren.planning import defaults
from verkeerstoren.profiles import export
from verkeerstoren.registry.models import Gemeente, Region
from verkeerstoren.waiting_times.charts import dumps
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Population projection", "/foresight/population", Permission.PLANNING_VIEW)]
# The official forecast and uploaded staff figures (helper "forecast"): their own module.
router.include_router(uploads_pages.router)

# Projections are aggregates of open data: every logged-in role, as bed planning (S3).
ViewCtx = Annotated[Ctx, view(Permission.PLANNING_VIEW)]
Tpl = Annotated[Templates, Depends(templates)]
TableFmt = Literal["csv", "xlsx"]
MILESTONES = (2030, 2040)


def _levers(request: Request) -> tuple[dict[str, str], int, population.PopulationLevers]:
    """The form's values as typed, and the horizon and levers they mean (or a problem)."""
    values = {name: request.query_params.get(name, "").strip()[:20]
              for name in ("area", "until", "migration_factor")}
    try:
        until = int(values["until"] or 2040)
    except ValueError:
        raise ValidationProblem("until", "the horizon must be a year") from None
    try:
        factor = float((values["migration_factor"] or "1").replace(",", "."))
    except ValueError:
        raise ValidationProblem("migration_factor", "the migration factor must be a number") \
            from None
    return values, until, population.PopulationLevers(factor)


@router.get("/foresight/population", response_class=HTMLResponse)
def population_page(request: Request, ctx: ViewCtx, tpl: Tpl) -> HTMLResponse:
    """Projected population by age to 2030 and 2040 with method, assumptions and backtests."""
    areas = population.areas(ctx.session)
    result = None
    problems: list[ValidationProblem] = []
    try:
        values, until, levers = _levers(request)
        values["area"] = values["area"] or (areas[0][0] if areas else inputs.NL)
        result = population_service.population_view(ctx.session, values["area"], until, levers)
    except ValidationProblem as problem:
        problems = [problem]
        values = {name: request.query_params.get(name, "")[:20]
                  for name in ("area", "until", "migration_factor")}
    p = result.projection if result else None
    shown = [y for y in (p.years[0], *MILESTONES, p.years[-1]) if y in p.years] if p else []
    return tpl.render(
        # Opening the page without a choice is not bad input: when the open data are not
        # loaded it says so at the area, with 200.
        request, ctx, "foresight/population.html",
        status_code=422 if problems and request.query_params else 200,
        values=values, areas=areas, result=result, p=p,
        shown=sorted(set(shown)), groups=population.AGE_GROUPS,
        measures=population_service.MEASURES, baselines=population_service.BASELINES,
        inputs=population_service.INPUTS,
        fmt=lambda v, d=0: export.number(v, d, ctx.locale),
        errors={x.field: ctx._(x.message, **x.params) for x in problems},
        bands=dumps(population_charts.bands_spec(p, ctx._)) if p else None,
        aged=dumps(population_charts.aged_spec(p, ctx._)) if p else None,
        official=uploads_pages.comparison(ctx, p) if p else None,
    )


@router.get("/foresight/population.{fmt}")
def population_table(request: Request, ctx: ViewCtx, fmt: TableFmt) -> Response:
    """The projection as CSV or Excel: year × sex × age group, with its method and sources."""
    values, until, levers = _levers(request)
    result = population_service.population_view(ctx.session, values["area"] or "NL01", until,
                                                 levers)
    headers, rows = population_service.export_rows(result)
    source = "; ".join([f"{result.projection.method}", *population_service.INPUTS])
    body = export.table(fmt, headers, rows, sheet="bevolking", source=source)
    name = f"bevolkingsprognose-{result.projection.area_code}-{until}"
    return Response(body, media_type=export.MEDIA[fmt],
                    headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})


# --- demand, workforce, zorgkloof, scenarios, beds-needed (helper "demand") ---
# One block below the projection pages; its NAV items are appended, not listed above.
NAV += [NavItem("Demand and zorgkloof", "/foresight/demand", PERMISSION),
        NavItem("Scenarios", "/foresight/scenarios", PERMISSION), *uploads_pages.NAV]
DemandCtx = Annotated[Ctx, view(PERMISSION)]
AreaParam = Annotated[str | None, Query(max_length=70)]
ScenarioParam = Annotated[str | None, Query(max_length=20)]
FormatParam = Annotated[Literal["csv", "xlsx"] | None, Query()]
SHOWN_YEARS = (2024, 2025, 2030, 2035, 2040)


def _areas(ctx: Ctx) -> list[tuple[str, str]]:
    """Regions first, then each region's gemeenten, as (code, label)."""
    out: list[tuple[str, str]] = []
    for region in ctx.session.scalars(select(Region).order_by(Region.name)):
        out.append((outlook.region_code(region), region.name))
        out += [(code, f"· {name}") for code, name in ctx.session.execute(
            select(Gemeente.code, Gemeente.name).where(Gemeente.region_id == region.id)
            .order_by(Gemeente.name))]
    return out


def _choice(ctx: Ctx, area: str | None, scenario: str | None) -> tuple[str, str | None]:
    areas = _areas(ctx)
    code = area or (areas[0][0] if areas else "")
    if scenario not in (None, "", *ALL):
        raise ValidationProblem("scenario", "Unknown scenario {key}.", params={"key": scenario})
    return code, scenario or None


def _download(body: bytes, fmt: str, name: str) -> Response:
    return Response(body, media_type=export.MEDIA[fmt],
                    headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})


def _page(request: Request, ctx: Ctx, tpl: Templates, name: str, area: str,
          scenario: str | None, problem: ValidationProblem | None, **values: Any
          ) -> HTMLResponse:
    return tpl.render(
        # Opening the page without a choice is not bad input: without open data it says so
        # with 200 (as the population page does).
        request, ctx, f"foresight/{name}.html",
        status_code=422 if problem and request.query_params else 200,
        areas=_areas(ctx), area=area, scenario=scenario or "reference",
        scenarios=list(ALL.values()), levers=LEVERS, shown=SHOWN_YEARS,
        error=ctx._(problem.message, **problem.params) if problem else None,
        fmt=lambda v, d=0: export.number(v, d, ctx.locale),
        population_label=_population_label(ctx, area) if area else "",
        staff_sources=_staff_sources(ctx, area) if area else {}, **values)


def _population_label(ctx: Ctx, area: str) -> str:
    """Which population the page's figures rest on (the tower's or the official one)."""
    try:
        _, gemeenten = outlook.members(ctx.session, area)
    except ValidationProblem:
        return ""
    codes = [c for c, _ in gemeenten]
    return official.source_label(official.in_use(ctx.session, codes), codes, ctx._)


def _staff_sources(ctx: Ctx, area: str) -> dict[str, str]:
    """Per sector where its staff figures come from, in words."""
    return {sector: ctx._("file {name}, uploaded {time} UTC", name=f.file_name,
                          time=f"{f.uploaded_at:%Y-%m-%d %H:%M}")
            for sector, f in staff_import.figures(ctx.session, area).items()}


def _outlook_in(area: str, scenario: str | None) -> OutlookIn:
    if not re.match(AREA_PATTERN, area):
        raise ValidationProblem("area", "Unknown area {code}.", params={"code": area})
    return OutlookIn(area_code=area, scenario=scenario)


@router.get("/foresight/demand", response_class=HTMLResponse, response_model=None)
def demand_page(request: Request, ctx: DemandCtx, tpl: Tpl, area: AreaParam = None,
                scenario: ScenarioParam = None, format: FormatParam = None
                ) -> HTMLResponse | Response:
    """Demand per sector (index and own unit), the zorgkloof and the informal-care pool."""
    try:
        code, chosen = _choice(ctx, area, scenario)
        result = outlook.outlook(ctx.session, _outlook_in(code, chosen))
    except ValidationProblem as problem:
        return _page(request, ctx, tpl, "demand", area or "", scenario, problem, result=None)
    if format:
        headers = [ctx._("Sector"), ctx._("Unit"), ctx._("Year"), ctx._("Demand"),
                   ctx._("Index (2024 = 100)"), ctx._("FTE needed"), ctx._("FTE available"),
                   ctx._("Zorgkloof (FTE)")]
        rows = [[ctx._(s.label), ctx._(s.unit), y, s.demand[i], s.index[i],
                 s.needed_fte[i] if s.needed_fte else None,
                 s.available_fte[i] if s.available_fte else None,
                 s.gap_fte[i] if s.gap_fte else None]
                for s in result.sectors for i, y in enumerate(result.years)]
        return _download(export.table(format, headers, rows, sheet="zorgvraag",
                                      source="Vektis Zvw 2015; "
                                             f"{_population_label(ctx, code)} "
                                             "personeel: zie de pagina (verzonnen demo-cijfers "
                                             "waar de regio niets laadde)"),
                         format, f"zorgvraag-{code}-{result.scenario}")
    return _page(request, ctx, tpl, "demand", code, chosen, None, result=result,
                 sectors=rates.BY_KEY,
                 demand_spec=dumps(outlook_charts.demand_spec(result, ctx._)),
                 gap_spec=dumps(outlook_charts.gap_spec(result, ctx._)))


@router.get("/foresight/scenarios", response_class=HTMLResponse, response_model=None)
def scenarios_page(request: Request, ctx: DemandCtx, tpl: Tpl, area: AreaParam = None,
                   format: FormatParam = None) -> HTMLResponse | Response:
    """The three named scenarios beside the reference, with each lever's contribution."""
    try:
        code, _ = _choice(ctx, area, None)
        _outlook_in(code, None)
        result = compare.compare(ctx.session, ComparisonIn(area_code=code))
        plans: list[BedsPerYearOut] = []
        missing: list[str] = []
        for bed in measures.BED_TYPES:
            try:
                plans.append(beds.beds_per_year(
                    ctx.session, BedsPerYearIn(area_code=code, bed_type=bed)))
            except ValidationProblem:
                missing.append(measures.BED_NAMES[bed])
    except ValidationProblem as problem:
        return _page(request, ctx, tpl, "scenarios", area or "", None, problem, result=None)
    if format:
        headers = [ctx._("Scenario"), ctx._("Lever"), ctx._("Setting"),
                   ctx._("Change in zorgkloof {year} (FTE)", year=result.year)]
        rows: list[list[export.CellValue]] = [
            [s.outlook.scenario_name, c.lever, c.value, c.gap_fte_change]
            for s in result.scenarios for c in s.contributions]
        return _download(export.table(format, headers, rows, sheet="scenarios",
                                      source=result.attribution),
                         format, f"scenarios-{code}")
    return _page(request, ctx, tpl, "scenarios", code, None, None, result=result,
                 plans=plans, missing=missing, lever_labels={k: label for k, label, *_ in LEVERS},
                 thin_limits={"requests": defaults.MIN_ARRIVALS, "window": beds.WINDOW_DAYS,
                              "occupancy": round(defaults.DEFAULT_OCCUPANCY * 100)},
                 spec=dumps(outlook_charts.comparison_spec(result, ctx._)))


@router.get("/foresight/panel", response_class=HTMLResponse)
def dashboard_panel(request: Request, ctx: DemandCtx, tpl: Tpl) -> HTMLResponse:
    """The strategic dashboard's forecast panel (an htmx fragment): per region the zorgkloof
    in 2030 and 2040 and the beds needed in 2030, reference scenario."""
    rows: list[dict[str, Any]] = []
    for region in ctx.session.scalars(select(Region).order_by(Region.name)):
        code = outlook.region_code(region)
        row: dict[str, Any] = {"code": code, "name": region.name, "error": None, "beds": [],
                               "population": _population_label(ctx, code)}
        try:
            result = outlook.outlook(ctx.session, OutlookIn(area_code=code))
        except ValidationProblem as problem:
            row["error"] = ctx._(problem.message, **problem.params)
            rows.append(row)
            continue
        row["gap_2030"] = result.gap_fte_total[result.years.index(2030)]
        row["gap_2040"] = result.gap_fte_total[-1]
        for bed in measures.BED_TYPES:
            try:
                plan = beds.beds_per_year(ctx.session, BedsPerYearIn(area_code=code,
                                                                     bed_type=bed, until=2030))
            except ValidationProblem:
                continue
            year = plan.years[-1]
            row["beds"].append({"bed_type_name": plan.bed_type_name, "beds_95": year.beds_95,
                                "beds_99": year.beds_99,
                                "default": plan.arrivals_source == "default"})
        rows.append(row)
    return tpl.render(request, ctx, "foresight/_panel.html", rows=rows,
                      fmt=lambda v, d=0: export.number(v, d, ctx.locale))
