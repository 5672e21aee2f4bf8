"""JSON API of the official forecast and the uploaded staff figures (issue 16 items 1 and 4).

Reading: every logged-in role (PLANNING_VIEW, as the projections). Loading a file or choosing
to use the official forecast instead: the programme's editors (KPI_EDIT), who keep the
planning and monitoring figures the dashboards rest on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from verkeerstoren.access.roles import Permission
from verkeerstoren.foresight import official, official_import, population, staff_import
from verkeerstoren.foresight.models import OfficialForecast
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view

router = APIRouter(tags=["foresight"])
ViewCtx = Annotated[Ctx, view(Permission.PLANNING_VIEW)]
EditCtx = Annotated[Ctx, edit(Permission.KPI_EDIT)]
FileName = Annotated[str, Query(max_length=300, description="The file's name, kept as its "
                                                            "source")]


class OfficialOut(BaseModel):
    title: str
    file_name: str
    shape: str = Field(description="'detailed' (sex × 5-year age group) or 'total'")
    rows_stored: int
    use_instead: bool
    uploaded_at: datetime
    uploaded_by: str
    first_year: int
    last_year: int
    gemeenten: list[str]


class UseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use_instead: bool


class CompareRowOut(BaseModel):
    year: int
    own_total: float
    official_total: float
    difference: float
    difference_percent: float
    own_65plus: float
    official_65plus: float | None
    own_80plus: float
    official_80plus: float | None


class CompareOut(BaseModel):
    area_code: str
    area_name: str
    official: str
    own: str
    rows: list[CompareRowOut]


class StaffFigureOut(BaseModel):
    area_code: str
    sector: str
    persons: float
    part_time_factor: float
    vacancies_fte: float
    inflow_persons: float
    outflow_percent: float
    aged_55_59_percent: float
    aged_60_plus_percent: float
    source: str


class StaffImportOut(BaseModel):
    rows: int
    areas: int


def official_out(ctx: Ctx, forecast: OfficialForecast) -> OfficialOut:
    figures = official.loaded(ctx.session)
    years = figures.years if figures else (0,)
    return OfficialOut(title=forecast.title, file_name=forecast.file_name, shape=forecast.shape,
                       rows_stored=forecast.rows_stored, use_instead=forecast.use_instead,
                       uploaded_at=forecast.uploaded_at, uploaded_by=forecast.uploaded_by,
                       first_year=years[0], last_year=years[-1],
                       gemeenten=sorted(figures.counts) if figures else [])


@router.get("/foresight/official", response_model=OfficialOut | None)
def get_official(ctx: ViewCtx) -> OfficialOut | None:
    """The loaded official forecast (null when none is loaded)."""
    forecast = official.current(ctx.session)
    return official_out(ctx, forecast) if forecast else None


@router.post("/foresight/official", response_model=OfficialOut, status_code=201)
def post_official(
    ctx: EditCtx,
    content: Annotated[bytes, Body(media_type="text/csv",
                                   max_length=official_import.MAX_BYTES)],
    file_name: FileName = "upload.csv",
    title: Annotated[str, Query(max_length=200)] = "",
) -> OfficialOut:
    """Load an official forecast file (CSV or Excel body, see docs/foresight.md): all rows or
    none; it replaces the previous one and is not used instead until switched on."""
    official_import.load(ctx.session, ctx.user, content, file_name=file_name, title=title)
    forecast = official.current(ctx.session)
    assert forecast is not None  # just stored
    return official_out(ctx, forecast)


@router.put("/foresight/official/use", response_model=OfficialOut)
def put_official_use(ctx: EditCtx, data: UseIn) -> OfficialOut:
    """Use the official forecast instead of the tower's projection in demand, zorgkloof and
    beds-needed (for the gemeenten and years it covers), or stop using it."""
    return official_out(ctx, official.set_use(ctx.session, ctx.user, data.use_instead))


@router.get("/foresight/official/compare", response_model=CompareOut)
def get_official_compare(
    ctx: ViewCtx,
    area: Annotated[str, Query(pattern=r"^(GM\d{4}|RG\d{1,9})$")],
) -> CompareOut:
    """The tower's projection of an area beside the official forecast, per year."""
    name, codes = population.resolve(ctx.session, area)
    figures = official.loaded(ctx.session, codes)
    until = max(2025, min(population.MAX_UNTIL, figures.years[-1])) if figures else 2040
    projection = population.project_area(ctx.session, area, until=until)
    rows = official.compare(figures, projection, codes) if figures else None
    return CompareOut(
        area_code=area, area_name=name, official=figures.label() if figures else "",
        own=official.OWN,
        rows=[CompareRowOut(year=r.year, own_total=round(r.own_total),
                            official_total=round(r.official_total),
                            difference=round(r.difference),
                            difference_percent=round(r.difference_percent, 2),
                            own_65plus=round(r.own_65plus),
                            official_65plus=r.official_65plus, own_80plus=round(r.own_80plus),
                            official_80plus=r.official_80plus) for r in rows or []])


@router.get("/foresight/workforce", response_model=list[StaffFigureOut])
def get_workforce(ctx: ViewCtx) -> list[StaffFigureOut]:
    """Uploaded staff figures, each with its file and upload time."""
    return [StaffFigureOut(area_code=f.area_code, sector=f.sector, persons=f.persons,
                           part_time_factor=f.part_time_factor, vacancies_fte=f.vacancies_fte,
                           inflow_persons=f.inflow_persons, outflow_percent=f.outflow_percent,
                           aged_55_59_percent=f.aged_55_59_percent,
                           aged_60_plus_percent=f.aged_60_plus_percent,
                           source=staff_import.source_of(f))
            for f in staff_import.listing(ctx.session)]


@router.post("/foresight/workforce/import", response_model=StaffImportOut, status_code=201)
def post_workforce(
    ctx: EditCtx,
    content: Annotated[bytes, Body(media_type="text/csv", max_length=staff_import.MAX_BYTES)],
    file_name: FileName = "upload.csv",
) -> StaffImportOut:
    """Load staff figures per area and sector (CSV or Excel body): all rows or none."""
    summary = staff_import.load(ctx.session, ctx.user, content, file_name=file_name)
    return StaffImportOut(rows=summary.rows, areas=summary.areas)
