"""The report button page and the report itself as HTML or PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from verkeerstoren.access.roles import Permission
from verkeerstoren.kpi import periods
from verkeerstoren.kpi.periods import last_complete_quarter, quarters_back
from verkeerstoren.reports import service
from verkeerstoren.reports.build import ReportUnavailable
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)

NAV = [NavItem("Progress report", "/reports", Permission.KPI_VIEW)]

ViewCtx = Annotated[Ctx, view(Permission.KPI_VIEW)]
Tpl = Annotated[Templates, Depends(templates)]
QuarterPath = Annotated[str, Path(pattern=r"^(199\d|20\d\d)Q[1-4]$")]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, ctx: ViewCtx, tpl: Tpl,
    quarter: Annotated[str | None, Query(pattern=r"^(199\d|20\d\d)Q[1-4]$")] = None,
) -> HTMLResponse:
    """Choose a quarter and open the progress report as a web page or PDF."""
    last = last_complete_quarter(periods.today())
    quarters = [p.label for p in reversed(quarters_back(last, 12))]
    return tpl.render(request, ctx, "reports/index.html", quarters=quarters,
                      chosen=quarter or last.label)


@router.get("/reports/{quarter}.html", response_class=HTMLResponse)
def report_html(ctx: ViewCtx, quarter: QuarterPath) -> HTMLResponse:
    """The progress report as one HTML document."""
    made = service.make_report(ctx.session, ctx.user, service.quarter(quarter), pdf=False,
                               locale=ctx.locale)
    return HTMLResponse(made.html)


@router.get("/reports/{quarter}.pdf")
async def report_pdf(request: Request, ctx: ViewCtx, tpl: Tpl, quarter: QuarterPath) -> Response:
    """The progress report as PDF, or a clear message when PDF printing is unavailable."""
    try:
        made = await run_in_threadpool(service.make_report, ctx.session, ctx.user,
                                       service.quarter(quarter), pdf=True, locale=ctx.locale)
    except ReportUnavailable as exc:
        return tpl.render(request, ctx, "reports/unavailable.html", status_code=503,
                          reason=str(exc), quarter=quarter)
    assert made.pdf is not None
    return Response(made.pdf, media_type="application/pdf", headers={
        "content-disposition": f'attachment; filename="{made.basename}.pdf"'})
