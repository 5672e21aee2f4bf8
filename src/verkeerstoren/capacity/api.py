"""JSON API for availability reports, the regional board, exports and district-nursing intake."""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from fastapi.responses import Response

from verkeerstoren.access.roles import Permission
from verkeerstoren.capacity import board as board_service
from verkeerstoren.capacity import (
    board_cache,
    exports,
    importer,
    intake,
    service,
    upload_template,
)
from verkeerstoren.capacity.models import PullSource, ReportSource
from verkeerstoren.capacity.pull import service as pull
from verkeerstoren.capacity.pull.schemas import ProblemOut, PullSourceIn, PullSourceOut
from verkeerstoren.capacity.schemas import (
    Board,
    BulkReportIn,
    BulkResult,
    IntakeIn,
    ReportIn,
    ReportOut,
    TeamMatch,
)
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.storage import Database
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, live_view, view
from verkeerstoren.web.params import RegionId

router = APIRouter(tags=["capacity"])

ReportCtx = Annotated[Ctx, edit(Permission.CAPACITY_REPORT)]
BoardCtx = Annotated[Ctx, view(Permission.BOARD_VIEW)]
LiveBoardCtx = Annotated[Ctx, live_view(Permission.BOARD_VIEW)]  # polled by systems
IntakeCtx = Annotated[Ctx, edit(Permission.INTAKE_REPORT)]
SearchCtx = Annotated[Ctx, view(Permission.NURSING_SEARCH)]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Codes = Annotated[list[str] | None, Query(max_length=50)]
MAX_UPLOAD = 20 * 1024 * 1024


@router.post("/availability", response_model=BulkResult, status_code=201)
def report(ctx: ReportCtx, body: ReportIn) -> BulkResult:
    """Report one unit's beds of one type."""
    return BulkResult(accepted=service.submit_reports(ctx.session, ctx.user, [body],
                                                      ReportSource.API))


@router.post("/availability/bulk", response_model=BulkResult, status_code=201)
def report_bulk(ctx: ReportCtx, body: BulkReportIn) -> BulkResult:
    """Report many units at once, all or nothing."""
    count = service.submit_reports(ctx.session, ctx.user, body.reports, ReportSource.API)
    return BulkResult(accepted=count)


@router.post("/availability/upload", response_model=BulkResult, status_code=201)
def upload(ctx: ReportCtx, file: Annotated[UploadFile, File()]) -> BulkResult:
    """Upload a CSV or Excel file of reports (see the templates), all or nothing."""
    raw = file.file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise ValidationProblem("file", "the file is larger than 20 MB")
    rows = importer.parse(raw, file.filename or "")
    source = ReportSource.XLSX if raw.startswith(importer.XLSX_MAGIC) else ReportSource.CSV
    count = service.submit_reports(ctx.session, ctx.user, [r for _, r in rows], source,
                                   row_numbers=[n for n, _ in rows])
    return BulkResult(accepted=count)


def _template(ctx: Ctx, fmt: str) -> Response:
    content, media_type, filename = upload_template.template_file(ctx.session, ctx.user, fmt)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/availability/template.csv", response_class=Response)
def template_csv(ctx: ReportCtx) -> Response:
    """The upload template (CSV for Dutch Excel: BOM, ';'): a provider's own units and bed
    types with their last reported figures; for other users one example row."""
    return _template(ctx, "csv")


@router.get("/availability/template.xlsx", response_class=Response)
def template_xlsx(ctx: ReportCtx) -> Response:
    """The upload template (Excel), prefilled like the CSV one."""
    return _template(ctx, "xlsx")


@router.get("/units/{unit_id}/availability", response_model=list[ReportOut])
def unit_history(ctx: BoardCtx, unit_id: Id,
                 bed_type: Annotated[str | None, Query(max_length=30)] = None) -> list[ReportOut]:
    """A unit's report history, newest first."""
    return [ReportOut.model_validate(r) for r in service.history(
        ctx.session, unit_id=unit_id, bed_type_code=bed_type)]


def _filter(bed_type: list[str] | None, feature: list[str] | None, gemeente: list[str] | None,
            wijk: list[str] | None, fresh_only: bool, available_only: bool,
            region_id: int | None) -> board_service.BoardFilter:
    return board_service.BoardFilter(
        bed_types=tuple(bed_type or ()), features=tuple(feature or ()),
        gemeenten=tuple(gemeente or ()), wijken=tuple(wijk or ()),
        fresh_only=fresh_only, available_only=available_only, region_id=region_id,
    )


# The answer is the cached board's JSON as is: letting FastAPI re-validate and re-serialise
# 1,500 rows per request cost more than building them (bench/capacity.py); `responses` keeps
# the Board schema in the OpenAPI document.
@router.get("/board", response_model=None, response_class=Response,
            responses={200: {"model": Board, "content": {"application/json": {}}}})
def get_board(
    request: Request,
    ctx: LiveBoardCtx,
    bed_type: Codes = None,
    feature: Codes = None,
    gemeente: Codes = None,
    wijk: Codes = None,
    fresh_only: bool = False,
    available_only: bool = False,
    region_id: RegionId = None,
) -> Response:
    """All current availability in the region, fresh and available first."""
    flt = _filter(bed_type, feature, gemeente, wijk, fresh_only, available_only, region_id)
    db: Database = request.app.state.db
    started = time.perf_counter()
    served = board_cache.served_board(db.events, ctx.session, flt)
    body = served.entry.json()
    # How this answer was made (full build, refresh of changed rows, cache) and how long it
    # took: for operators' browser tools and for bench/capacity.py, which must know that a
    # "cold" request really built the board.
    timing = f'board;desc="{served.how}";dur={(time.perf_counter() - started) * 1000:.1f}'
    return Response(body, media_type="application/json", headers={"Server-Timing": timing})


@router.get("/board/export", response_class=Response)
def export_board(
    ctx: BoardCtx,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
    bed_type: Codes = None,
    feature: Codes = None,
    gemeente: Codes = None,
    wijk: Codes = None,
    fresh_only: bool = False,
    available_only: bool = False,
    region_id: RegionId = None,
) -> Response:
    """The board as CSV or Excel, with the same filters as the board."""
    data = board_service.board(ctx.session, _filter(bed_type, feature, gemeente, wijk,
                                                    fresh_only, available_only, region_id))
    content, media_type, filename = exports.board_file(data, format)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _pull_out(source: PullSource) -> PullSourceOut:
    """The API shape of a source, with the last result's problems in English."""
    problems = [ProblemOut(row=p.row, field=p.field, message=ValidationProblem(
                    p.field, p.message, params=dict(p.params)).text)
                for p in source.last_problems]
    if source.last_run_at is None:
        text = None
    elif source.last_ok:
        text = f"{source.last_accepted} reports accepted"
    else:
        text = "; ".join(
            (f"row {p.row}, " if p.row is not None else "") + f"{p.field}: {p.message}"
            for p in problems) or "failed"
    return PullSourceOut(
        id=source.id, organisation_id=source.organisation_id, url=source.url,
        format=source.format, interval_minutes=source.interval_minutes, active=source.active,
        sends_authorization=source.authorization is not None,
        last_run_at=source.last_run_at, last_ok=source.last_ok, last_message=text,
        last_accepted=source.last_accepted, last_problems=problems)


@router.get("/pull-sources", response_model=list[PullSourceOut])
def list_pull_sources(ctx: ReportCtx) -> list[PullSourceOut]:
    """Your organisation's endpoints that we poll, with the last pull's result."""
    return [_pull_out(s) for s in pull.list_sources(ctx.session, ctx.user)]


@router.post("/pull-sources", response_model=PullSourceOut, status_code=201)
def add_pull_source(ctx: ReportCtx, body: PullSourceIn) -> PullSourceOut:
    """Register a CSV or JSON URL that publishes your availability (polled every interval)."""
    source = pull.register_source(ctx.session, ctx.user, body, outbound=ctx.settings.outbound)
    return _pull_out(source)


@router.post("/pull-sources/{source_id}/run", response_model=PullSourceOut)
def run_pull_source(ctx: ReportCtx, source_id: Id) -> PullSourceOut:
    """Pull this endpoint now; the answer carries the result (all or nothing)."""
    pull.run_now(ctx.session, ctx.user, source_id, outbound=ctx.settings.outbound)
    return _pull_out(pull.get_source(ctx.session, ctx.user, source_id))


@router.post("/district-nursing/intake", status_code=201, response_model=BulkResult)
def report_intake(ctx: IntakeCtx, body: IntakeIn) -> BulkResult:
    """A team reports whether and from when it takes new clients."""
    intake.report_intake(ctx.session, ctx.user, body)
    return BulkResult(accepted=1)


@router.get("/district-nursing/search", response_model=list[TeamMatch])
def search_teams(
    ctx: SearchCtx,
    postcode: Annotated[str, Query(min_length=4, max_length=7)],
    start: date,
    skill: Codes = None,
) -> list[TeamMatch]:
    """Teams that can take a client at this postcode from this date, soonest first."""
    return intake.find_teams(ctx.session, postcode=postcode, start=start, skills=skill or [])
