"""Waiting-time pages: region view, 'where soonest', the Treeknormen, reporting and exports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from verkeerstoren import validation
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import DomainError, ValidationErrors, ValidationProblem
from verkeerstoren.profiles import export
from verkeerstoren.profiles.data import regions, scope
from verkeerstoren.registry.models import Location
from verkeerstoren.waiting_times import charts, lookup, norms, region, service
from verkeerstoren.waiting_times.models import ReportSource
from verkeerstoren.waiting_times.schemas import WaitIn
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.params import RegionId
from verkeerstoren.web.problems import problem_text
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Waiting times", "/wachttijden", Permission.WAITS_VIEW)]

ViewCtx = Annotated[Ctx, view(Permission.WAITS_VIEW)]
ReportCtx = Annotated[Ctx, edit(Permission.WAITS_REPORT)]
Tpl = Annotated[Templates, Depends(templates)]
Text = Annotated[str | None, Query(max_length=100)]
SECTOR_LABELS = {"ggz": "Mental health care (GGZ)", "msz": "Medical specialist care",
                 "wijkverpleging": "District nursing", "ouderenzorg": "Elderly care"}
STATUS_LABELS = {"within": "within norm", "over": "over norm", "closed": "intake closed",
                 "unknown": "no norm"}


def _sector(value: str | None) -> str | None:
    return value if value in norms.SECTORS else None


def _waits(ctx: Ctx, region_id: int | None, sector: str | None,
           care_type: str | None) -> list[service.Wait]:
    gemeenten = list(scope(ctx.session, region_id).gemeenten)
    waits = service.current_waits(ctx.session, sector=_sector(sector), care_type=care_type,
                                  gemeenten=gemeenten)
    return sorted(waits, key=lambda w: (w.sector, w.provider, w.location, w.care_type))


@router.get("/wachttijden", response_class=HTMLResponse)
def overview(request: Request, ctx: ViewCtx, tpl: Tpl, region_id: RegionId = None,
             sector: Text = None, care_type: Text = None) -> HTMLResponse:
    """Share within the norm per sector, the trend, and every current wait."""
    gemeenten = list(scope(ctx.session, region_id).gemeenten)
    everything = service.current_waits(ctx.session, gemeenten=gemeenten)
    waits = _waits(ctx, region_id, sector, care_type) if sector or care_type else sorted(
        everything, key=lambda w: (w.sector, w.provider, w.location, w.care_type))
    trend = region.trend(ctx.session, gemeenten)
    spec = charts.trend_spec(trend, ctx._)
    return tpl.render(request, ctx, "waiting_times/overview.html",
                      shares=region.shares(ctx.session, gemeenten, everything),
                      waits=waits[:500],
                      total=len(waits), regions=regions(ctx.session), region_id=region_id,
                      sector=_sector(sector), care_type=care_type or "", sectors=SECTOR_LABELS,
                      statuses=STATUS_LABELS, spec=charts.dumps(spec) if spec else None,
                      fmt=lambda v, d=1: export.number(v, d, ctx.locale),
                      query=f"region_id={region_id or ''}&sector={_sector(sector) or ''}"
                            f"&care_type={care_type or ''}")


@router.get("/wachttijden/export.{fmt}")
def export_waits(ctx: ViewCtx, fmt: Literal["csv", "xlsx"], region_id: RegionId = None,
                 sector: Text = None, care_type: Text = None) -> Response:
    """Current waits as CSV or Excel."""
    headers = [ctx._(h) for h in ("Provider", "Location", "Place", "Sector", "Care type",
                                  "Intake wait (weeks)", "Treatment wait (weeks)", "Note",
                                  "Measured on", "Source", "Status")]
    rows: list[list[Any]] = [
        [w.provider, w.location, w.place, w.sector, w.care_type, w.intake_weeks,
         w.treatment_weeks, " ".join(p for p in (w.intake_note, w.treatment_note) if p),
         w.measured_on.isoformat(), w.source, ctx._(STATUS_LABELS[w.status.value])]
        for w in _waits(ctx, region_id, sector, care_type)]
    body = export.table(fmt, headers, rows, sheet="wachttijden",
                        source="NZa wachttijden ggz; meldingen zorgaanbieders")
    return Response(body, media_type=export.MEDIA[fmt],
                    headers={"content-disposition": f'attachment; filename="wachttijden.{fmt}"'})


@router.get("/wachttijden/trend.{fmt}")
def trend_image(ctx: ViewCtx, fmt: Literal["png", "svg"], region_id: RegionId = None) -> Response:
    """The trend chart as PNG or SVG."""
    from verkeerstoren.profiles.charts import render

    spec = charts.trend_spec(region.trend(ctx.session, list(scope(ctx.session,
                                                                  region_id).gemeenten)), ctx._)
    if spec is None:
        raise ValidationProblem("trend", "no waits loaded or reported yet")
    return Response(render(spec, fmt), media_type=export.MEDIA[fmt])


@router.get("/wachttijden/soonest", response_class=HTMLResponse)
def soonest(request: Request, ctx: ViewCtx, tpl: Tpl,
            postcode: Annotated[str | None, Query(max_length=10)] = None,
            sector: Text = None, care_type: Text = None,
            max_km: Annotated[float, Query(gt=0, le=300)] = 25.0) -> HTMLResponse:
    """'Where soonest' for a referrer: shortest waits near a postcode."""
    options: list[lookup.Option] = []
    error = None
    if postcode:
        try:
            options = lookup.where_soonest(ctx.session, postcode=postcode,
                                           sector=_sector(sector), care_type=care_type,
                                           max_km=max_km)
        except ValidationProblem as problem:
            error = problem_text(ctx._, problem)
    return tpl.render(request, ctx, "waiting_times/soonest.html", options=options, error=error,
                      postcode=postcode or "", sector=_sector(sector), care_type=care_type or "",
                      max_km=max_km, sectors=SECTOR_LABELS, statuses=STATUS_LABELS,
                      fmt=lambda v, d=1: export.number(v, d, ctx.locale))


@router.get("/wachttijden/normen", response_class=HTMLResponse)
def norm_page(request: Request, ctx: ViewCtx, tpl: Tpl) -> HTMLResponse:
    """The Treeknormen with the source of every norm."""
    return tpl.render(request, ctx, "waiting_times/norms.html", norms=norms.load(ctx.session),
                      sectors=SECTOR_LABELS)


def _locations(ctx: Ctx) -> list[Location]:
    query = select(Location).order_by(Location.name)
    if ctx.user.scoped_organisation is not None:
        query = query.where(Location.organisation_id == ctx.user.scoped_organisation)
    return list(ctx.session.scalars(query))


def _report_page(request: Request, ctx: Ctx, tpl: Templates, *, values: dict[str, str],
                 problems: list[ValidationProblem], done: str | None = None) -> HTMLResponse:
    return tpl.render(request, ctx, "waiting_times/report.html",
                      status_code=422 if problems else 200, values=values,
                      problems=[(p.row, p.field, problem_text(ctx._, p)) for p in problems],
                      locations=_locations(ctx), sectors=SECTOR_LABELS, statuses=STATUS_LABELS,
                      done=done,
                      reports=service.own_reports(ctx.session, ctx.user, 50),
                      rules=norms.load(ctx.session), status=norms.status)


@router.get("/wachttijden/melden", response_class=HTMLResponse)
def report_form(request: Request, ctx: ReportCtx, tpl: Tpl) -> HTMLResponse:
    """Form (and CSV upload) for a provider's current waits."""
    return _report_page(request, ctx, tpl, values={}, problems=[])


@router.post("/wachttijden/melden", response_model=None)
async def report_post(request: Request, ctx: ReportCtx, tpl: Tpl) -> Response:
    """Save one reported wait or import an uploaded CSV, all or nothing."""
    values: dict[str, str] = {}
    upload: bytes | None = None
    async with request.form() as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                upload = await value.read(2_000_001)
            elif key != "csrf_token":
                values[key] = value.strip()

    def run() -> Response:
        savepoint = ctx.session.begin_nested()
        try:
            if upload:
                if len(upload) > 2_000_000:
                    raise ValidationProblem("file", "file larger than 2 MB")
                count = service.import_csv(ctx.session, ctx.user, upload)
                done = f"csv:{count}"
            else:
                data = {k: v.replace(",", ".") if k.endswith("_weeks") else v
                        for k, v in values.items() if v}
                service.report(ctx.session, ctx.user, WaitIn.model_validate(data),
                               ReportSource.FORM)
                done = "form:1"
        except ValidationError as exc:
            savepoint.rollback()
            problems = validation.problems(exc)
            return _report_page(request, ctx, tpl, values=values, problems=problems)
        except ValidationErrors as exc:
            savepoint.rollback()
            return _report_page(request, ctx, tpl, values=values, problems=exc.problems)
        except ValidationProblem as problem:
            savepoint.rollback()
            return _report_page(request, ctx, tpl, values=values, problems=[problem])
        except DomainError:
            savepoint.rollback()
            raise
        savepoint.commit()
        return RedirectResponse(f"/wachttijden/melden?done={done}", status_code=303)

    return await run_in_threadpool(run)
