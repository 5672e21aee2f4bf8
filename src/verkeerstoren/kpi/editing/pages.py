"""Analyst pages to create and edit goals, indicators and projects.

Each page posts a plain form, turns it into the API's input model and calls the same service
function the API calls; a refused form comes back with a Dutch message beside every bad field
(status 422) and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import Conflict, NotFound, ValidationErrors, ValidationProblem
from verkeerstoren.kpi import forms, projects, service
from verkeerstoren.kpi.models import Goal, Indicator, Project
from verkeerstoren.kpi.schemas import MAX_ID
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit
from verkeerstoren.web.forms import FormField, form_lists
from verkeerstoren.web.problems import problem_text
from verkeerstoren.web.templating import Templates, templates

router = APIRouter(include_in_schema=False)

EditCtx = Annotated[Ctx, edit(Permission.KPI_EDIT)]
Tpl = Annotated[Templates, Depends(templates)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
Prefill = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Saver = Callable[[], Any]
MAIN_GOAL_TAKEN = "The goal tree already has a main goal: choose a parent goal."


def _message(ctx: Ctx, problem: ValidationProblem) -> str:
    text = problem_text(ctx._, problem)
    if problem.row is not None:
        return ctx._("Target row {row}", row=problem.row) + ": " + text
    return text


def _run(ctx: Ctx, save: Saver) -> tuple[Any, list[ValidationProblem]]:
    """Run a save inside a savepoint; on any problem roll it back and return the problems."""
    savepoint = ctx.session.begin_nested()
    try:
        saved = save()
    except ValidationError as error:
        problems = forms.problems_of(error)
    except ValidationErrors as errors:
        problems = list(errors.problems)
    except ValidationProblem as problem:
        problems = [problem]
    except Conflict:
        # The only conflict of these saves: a second goal without a parent.
        problems = [ValidationProblem("parent_id", MAIN_GOAL_TAKEN)]
    else:
        savepoint.commit()
        return saved, []
    savepoint.rollback()
    return None, problems


def _page(
    request: Request, ctx: Ctx, tpl: Tpl, *, title: str, back: str, fields: list[FormField],
    values: dict[str, Any], problems: list[ValidationProblem] | None = None,
    targets: list[dict[str, str]] | None = None, subject: str = "",
) -> HTMLResponse:
    errors: dict[str, str] = {}
    general: list[str] = []
    names = {f.name for f in fields} | ({"targets"} if targets is not None else set())
    for problem in problems or []:
        text = _message(ctx, problem)
        if problem.field in names:
            # Every message of a field is kept: a target table may have several bad rows.
            errors[problem.field] = f"{errors[problem.field]} {text}" \
                if problem.field in errors else text
        else:
            general.append(text)
    return tpl.render(request, ctx, "kpi/edit.html", status_code=422 if problems else 200,
                      title=title, subject=subject, back=back, fields=fields, values=values,
                      errors=errors, general_errors=general, targets=targets)


def _get(ctx: Ctx, model: type[Goal | Indicator | Project], item_id: int) -> Any:
    found = ctx.session.get(model, item_id)
    if found is None:
        raise NotFound(model.__name__.lower(), item_id)
    return found


# --- goals ----------------------------------------------------------------------------------


@router.get("/kpi/goals/new", response_class=HTMLResponse)
def new_goal(request: Request, ctx: EditCtx, tpl: Tpl, parent_id: Prefill = None) -> HTMLResponse:
    """The form for a new goal (a sub-goal of the chosen parent, or the main goal)."""
    return _page(request, ctx, tpl, title="New goal", back="/kpi",
                 fields=forms.goal_fields(ctx.session),
                 values={"parent_id": str(parent_id) if parent_id else ""})


@router.get("/kpi/goals/{goal_id}/edit", response_class=HTMLResponse)
def edit_goal(request: Request, ctx: EditCtx, tpl: Tpl, goal_id: ItemId) -> HTMLResponse:
    """The form to change a goal."""
    goal: Goal = _get(ctx, Goal, goal_id)
    return _page(request, ctx, tpl, title="Edit goal", subject=goal.title, back="/kpi",
                 fields=forms.goal_fields(ctx.session, goal_id), values=forms.goal_values(goal))


def _save_goal(request: Request, ctx: Ctx, tpl: Tpl, values: forms.FormValues,
               goal_id: int | None) -> Response:
    if goal_id is not None:
        _get(ctx, Goal, goal_id)
    saved, problems = _run(ctx, lambda: service.save_goal(
        ctx.session, ctx.user, forms.goal_in(values), goal_id))
    if not problems:
        return RedirectResponse(f"/kpi#goal-{saved.id}", status_code=303)
    fields = forms.goal_fields(ctx.session, goal_id)
    return _page(request, ctx, tpl, title="Edit goal" if goal_id else "New goal", back="/kpi",
                 fields=fields, values=forms.shown_values(fields, values), problems=problems)


@router.post("/kpi/goals/new", response_model=None)
async def create_goal(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Save a new goal, or show the form with a message beside every bad field."""
    values = await form_lists(request)
    return await run_in_threadpool(_save_goal, request, ctx, tpl, values, None)


@router.post("/kpi/goals/{goal_id}/edit", response_model=None)
async def update_goal(request: Request, ctx: EditCtx, tpl: Tpl, goal_id: ItemId) -> Response:
    """Save a changed goal, or show the form with its problems."""
    values = await form_lists(request)
    return await run_in_threadpool(_save_goal, request, ctx, tpl, values, goal_id)


# --- indicators -----------------------------------------------------------------------------


@router.get("/kpi/indicators/new", response_class=HTMLResponse)
def new_indicator(request: Request, ctx: EditCtx, tpl: Tpl, goal_id: Prefill = None
                  ) -> HTMLResponse:
    """The form for a new indicator, under the chosen goal."""
    values = {"goal_id": str(goal_id) if goal_id else "", "kind": "result",
              "nature": "quantitative", "frequency": "quarter", "direction": "up"}
    return _page(request, ctx, tpl, title="New indicator", back="/kpi",
                 fields=forms.indicator_fields(ctx.session), values=values,
                 targets=forms.target_rows(None))


@router.get("/kpi/indicators/{indicator_id}/edit", response_class=HTMLResponse)
def edit_indicator(request: Request, ctx: EditCtx, tpl: Tpl, indicator_id: ItemId
                   ) -> HTMLResponse:
    """The form to change an indicator and its yearly targets."""
    indicator: Indicator = _get(ctx, Indicator, indicator_id)
    return _page(request, ctx, tpl, title="Edit indicator",
                 subject=f"{indicator.code} {indicator.name}",
                 back=f"/kpi/indicators/{indicator_id}",
                 fields=forms.indicator_fields(ctx.session),
                 values=forms.indicator_values(indicator), targets=forms.target_rows(indicator))


def _save_indicator(request: Request, ctx: Ctx, tpl: Tpl, values: forms.FormValues,
                    indicator_id: int | None) -> Response:
    if indicator_id is not None:
        _get(ctx, Indicator, indicator_id)
    saved, problems = _run(ctx, lambda: service.save_indicator(
        ctx.session, ctx.user, forms.indicator_in(values), indicator_id))
    if not problems:
        return RedirectResponse(f"/kpi/indicators/{saved.id}", status_code=303)
    fields = forms.indicator_fields(ctx.session)
    back = f"/kpi/indicators/{indicator_id}" if indicator_id else "/kpi"
    return _page(request, ctx, tpl, title="Edit indicator" if indicator_id else "New indicator",
                 back=back, fields=fields, values=forms.shown_values(fields, values),
                 targets=forms.posted_target_rows(values), problems=problems)


@router.post("/kpi/indicators/new", response_model=None)
async def create_indicator(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Save a new indicator, or show the form with a message beside every bad field."""
    values = await form_lists(request)
    return await run_in_threadpool(_save_indicator, request, ctx, tpl, values, None)


@router.post("/kpi/indicators/{indicator_id}/edit", response_model=None)
async def update_indicator(request: Request, ctx: EditCtx, tpl: Tpl, indicator_id: ItemId
                           ) -> Response:
    """Save a changed indicator, or show the form with its problems."""
    values = await form_lists(request)
    return await run_in_threadpool(_save_indicator, request, ctx, tpl, values, indicator_id)


# --- projects -------------------------------------------------------------------------------


@router.get("/kpi/projects/new", response_class=HTMLResponse)
def new_project(request: Request, ctx: EditCtx, tpl: Tpl, action_line_id: Prefill = None
                ) -> HTMLResponse:
    """The form for a new project, under the chosen action line."""
    values = {"action_line_id": str(action_line_id) if action_line_id else "", "phase": "idea",
              "indicator_ids": []}
    return _page(request, ctx, tpl, title="New project", back="/kpi/tactical",
                 fields=forms.project_fields(ctx.session), values=values)


@router.get("/kpi/projects/{project_id}/edit", response_class=HTMLResponse)
def edit_project(request: Request, ctx: EditCtx, tpl: Tpl, project_id: ItemId) -> HTMLResponse:
    """The form to change a project and its linked indicators."""
    project: Project = _get(ctx, Project, project_id)
    return _page(request, ctx, tpl, title="Edit project", subject=project.name,
                 back=f"/kpi/projects/{project_id}", fields=forms.project_fields(ctx.session),
                 values=forms.project_values(project))


def _save_project(request: Request, ctx: Ctx, tpl: Tpl, values: forms.FormValues,
                  project_id: int | None) -> Response:
    if project_id is not None:
        _get(ctx, Project, project_id)
    saved, problems = _run(ctx, lambda: projects.save_project(
        ctx.session, ctx.user, forms.project_in(values), project_id))
    if not problems:
        return RedirectResponse(f"/kpi/projects/{saved.id}", status_code=303)
    fields = forms.project_fields(ctx.session)
    back = f"/kpi/projects/{project_id}" if project_id else "/kpi/tactical"
    return _page(request, ctx, tpl, title="Edit project" if project_id else "New project",
                 back=back, fields=fields, values=forms.shown_values(fields, values),
                 problems=problems)


@router.post("/kpi/projects/new", response_model=None)
async def create_project(request: Request, ctx: EditCtx, tpl: Tpl) -> Response:
    """Save a new project, or show the form with a message beside every bad field."""
    values = await form_lists(request)
    return await run_in_threadpool(_save_project, request, ctx, tpl, values, None)


@router.post("/kpi/projects/{project_id}/edit", response_model=None)
async def update_project(request: Request, ctx: EditCtx, tpl: Tpl, project_id: ItemId
                         ) -> Response:
    """Save a changed project, or show the form with its problems."""
    values = await form_lists(request)
    return await run_in_threadpool(_save_project, request, ctx, tpl, values, project_id)
