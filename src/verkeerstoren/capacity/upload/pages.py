"""Pages: a provider's file upload and the addresses the tower pulls its figures from (the
report form, the rest of the capacity pages, is in :mod:`.pages`, which mounts this router)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from verkeerstoren import validation
from verkeerstoren.access.roles import Permission
from verkeerstoren.capacity import importer, service
from verkeerstoren.capacity.freshness import age_text
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.pull import fetch as pull_fetch
from verkeerstoren.capacity.pull import service as pull
from verkeerstoren.capacity.pull.schemas import PullSourceIn
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit
from verkeerstoren.web.forms import form_lists
from verkeerstoren.web.templating import Templates, templates

router = APIRouter(include_in_schema=False)

TemplatesDep = Annotated[Templates, Depends(templates)]
ReportCtx = Annotated[Ctx, edit(Permission.CAPACITY_REPORT)]


def _pull_context(ctx: Ctx, error: str | None = None,
                  typed: dict[str, str] | None = None) -> dict[str, Any]:
    sources = pull.list_sources(ctx.session, ctx.user)
    return {"pull_sources": sources, "pull_error": error,
            "pull_ages": {s.id: age_text(s.last_run_at, utcnow(), ctx.locale) for s in sources},
            "pull_form": typed or {}}


_PULL_LABELS = {"url": "Address (URL)", "format": "Format", "interval_minutes": "Every (minutes)"}


def _check_pull(ctx: Ctx, typed: dict[str, str], save: bool) -> str | None:
    """The pull form's problem in Dutch, or None; with ``save`` the source is registered."""
    try:
        data = PullSourceIn.model_validate({
            "url": typed.get("url", ""), "format": typed.get("format") or "csv",
            "interval_minutes": typed.get("interval_minutes") or 5})
        if save:
            pull.register_source(ctx.session, ctx.user, data, outbound=ctx.settings.outbound)
        else:
            ctx.settings.outbound.check_url(pull_fetch.check_url(data.url))
    except ValidationError as exc:
        # Named by the form's own labels: "interval_minutes: …" meant nothing to a provider.
        return "; ".join(
            f"{ctx._(_PULL_LABELS[p.field])}: {ctx._(p.message, **p.params)}"
            if p.field in _PULL_LABELS else ctx._(p.message, **p.params)
            for p in validation.problems(exc))
    except ValidationProblem as problem:
        return ctx._(problem.message, **problem.params)
    return None


@router.get("/capacity/upload", response_class=HTMLResponse)
def upload_form(
    request: Request, ctx: ReportCtx, tpl: TemplatesDep,
    pull_url: Annotated[str | None, Query(max_length=2000)] = None,
    pull_format: Annotated[str | None, Query(max_length=10)] = None,
    pull_interval: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """The upload page. After a refused pull address the form comes back here (a redirect, so
    a refresh does not post again) with what was typed, checked again to say why."""
    if pull_url is None:
        return tpl.render(request, ctx, "capacity/upload.html", problems=[], accepted=None,
                          **_pull_context(ctx))
    typed = {"url": pull_url, "format": pull_format or "csv",
             "interval_minutes": pull_interval or "5"}
    error = _check_pull(ctx, typed, save=False)
    return tpl.render(request, ctx, "capacity/upload.html", problems=[], accepted=None,
                      status_code=422 if error else 200, **_pull_context(ctx, error, typed))


def _add_pull(ctx: Ctx, values: dict[str, list[str]]) -> Response:
    typed = {name: found[0].strip() for name in ("url", "format", "interval_minutes")
             if (found := values.get(name))}
    if _check_pull(ctx, typed, save=True) is None:
        return RedirectResponse("/capacity/upload#pull", status_code=303)
    query = urlencode({"pull_url": typed.get("url", ""), "pull_format": typed.get("format", ""),
                       "pull_interval": typed.get("interval_minutes", "")})
    return RedirectResponse(f"/capacity/upload?{query}#pull", status_code=303)


@router.post("/capacity/pull-sources", response_model=None)
async def add_pull(request: Request, ctx: ReportCtx) -> Response:
    values = await form_lists(request)
    return await run_in_threadpool(_add_pull, ctx, values)


@router.post("/capacity/pull-sources/{source_id}/run", response_model=None)
def run_pull(ctx: ReportCtx, source_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    pull.run_now(ctx.session, ctx.user, source_id, outbound=ctx.settings.outbound)
    return RedirectResponse("/capacity/upload#pull", status_code=303)


@router.post("/capacity/pull-sources/{source_id}/active", response_model=None)
async def pause_pull(request: Request, ctx: ReportCtx,
                     source_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    """Pause (active=false) or resume (active=true) the scheduled pulls of an address."""
    values = await form_lists(request)
    active = (values.get("active") or [""])[0] == "true"
    await run_in_threadpool(pull.set_active, ctx.session, ctx.user, source_id, active)
    return RedirectResponse("/capacity/upload#pull", status_code=303)


def _upload(request: Request, ctx: Ctx, tpl: Templates, raw: bytes, name: str) -> Response:
    try:
        rows = importer.parse(raw, name)
        accepted = service.submit_reports(
            ctx.session, ctx.user, [r for _, r in rows],
            ReportSource.XLSX if raw.startswith(importer.XLSX_MAGIC) else ReportSource.CSV,
            row_numbers=[n for n, _ in rows])
    except ValidationErrors as exc:
        return tpl.render(request, ctx, "capacity/upload.html", status_code=422,
                          problems=exc.problems, accepted=None, **_pull_context(ctx))
    return tpl.render(request, ctx, "capacity/upload.html", problems=[], accepted=accepted,
                      **_pull_context(ctx))


@router.post("/capacity/upload", response_model=None)
async def upload(request: Request, ctx: ReportCtx, tpl: TemplatesDep) -> Response:
    async with request.form() as form:  # closes the spooled upload when done
        file = form.get("file")
        if file is None or isinstance(file, str):
            problem = ValidationProblem("file", "choose a file to upload", row=None)
            return await run_in_threadpool(lambda: tpl.render(
                request, ctx, "capacity/upload.html", status_code=422, problems=[problem],
                accepted=None, **_pull_context(ctx)))
        raw = await file.read(20 * 1024 * 1024 + 1)
        name = file.filename or ""
    return await run_in_threadpool(_upload, request, ctx, tpl, raw, name)
