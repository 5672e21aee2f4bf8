"""JSON API of the goal tree, measurements, status, follow-up actions and projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import NotFound
from verkeerstoren.kpi import computing, dashboards, importer, periods, projects, service
from verkeerstoren.kpi.models import (
    FollowUpAction,
    Goal,
    Indicator,
    Measurement,
    ProgressEntry,
    Project,
)
from verkeerstoren.kpi.periods import last_complete_quarter, parse_period, quarters_back
from verkeerstoren.kpi.schemas import (
    MAX_ID,
    ActionIn,
    ActionOut,
    ActionUpdate,
    GoalIn,
    GoalOut,
    ImportOut,
    IndicatorIn,
    IndicatorOut,
    MeasurementIn,
    MeasurementOut,
    OnDuplicate,
    ProgressIn,
    ProgressOut,
    ProjectIn,
    ProjectOut,
    StatusOut,
)
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view

router = APIRouter(tags=["kpi"])

ViewCtx = Annotated[Ctx, view(Permission.KPI_VIEW)]
EditCtx = Annotated[Ctx, edit(Permission.KPI_EDIT)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
Quarter = Annotated[str | None, Query(pattern=r"^(199\d|20\d\d)Q[1-4]$")]
Duplicate = Annotated[OnDuplicate, Query()]


@router.get("/kpi/goals", response_model=list[GoalOut])
def list_goals(ctx: ViewCtx) -> list[Goal]:
    """The goal tree, main goal first."""
    return list(ctx.session.scalars(select(Goal).order_by(Goal.parent_id.is_not(None),
                                                          Goal.sort_order, Goal.id)))


@router.post("/kpi/goals", response_model=GoalOut, status_code=201)
def create_goal(ctx: EditCtx, data: GoalIn) -> Goal:
    """Add a goal to the tree."""
    return service.save_goal(ctx.session, ctx.user, data)


@router.put("/kpi/goals/{goal_id}", response_model=GoalOut)
def update_goal(ctx: EditCtx, goal_id: ItemId, data: GoalIn) -> Goal:
    """Change a goal."""
    return service.save_goal(ctx.session, ctx.user, data, goal_id)


@router.get("/kpi/indicators", response_model=list[IndicatorOut])
def list_indicators(ctx: ViewCtx) -> list[Indicator]:
    """Every indicator with its targets."""
    return list(ctx.session.scalars(select(Indicator).options(selectinload(Indicator.targets))
                                    .order_by(Indicator.sort_order, Indicator.code)))


@router.post("/kpi/indicators", response_model=IndicatorOut, status_code=201)
def create_indicator(ctx: EditCtx, data: IndicatorIn) -> Indicator:
    """Add an indicator under a goal."""
    return service.save_indicator(ctx.session, ctx.user, data)


@router.put("/kpi/indicators/{indicator_id}", response_model=IndicatorOut)
def update_indicator(ctx: EditCtx, indicator_id: ItemId, data: IndicatorIn) -> Indicator:
    """Change an indicator and its targets."""
    return service.save_indicator(ctx.session, ctx.user, data, indicator_id)


@router.get("/kpi/indicators/{indicator_id}/measurements", response_model=list[MeasurementOut])
def list_measurements(ctx: ViewCtx, indicator_id: ItemId) -> list[Measurement]:
    """An indicator's measurements, oldest first, with their source rows when computed."""
    if ctx.session.get(Indicator, indicator_id) is None:
        raise NotFound("indicator", indicator_id)
    return list(ctx.session.scalars(select(Measurement)
                                    .where(Measurement.indicator_id == indicator_id)
                                    .order_by(Measurement.period_start, Measurement.area_code)))


@router.post("/kpi/measurements", response_model=MeasurementOut, status_code=201)
def create_measurement(ctx: EditCtx, data: MeasurementIn,
                       on_duplicate: Duplicate = "ask") -> Measurement:
    """Enter a measurement; a second one for the same period and area needs replace or keep."""
    return service.record_measurement(ctx.session, ctx.user, data, today=periods.today(),
                                      on_duplicate=on_duplicate)


@router.post("/kpi/measurements/import", response_model=ImportOut)
def import_measurements(
    ctx: EditCtx,
    content: Annotated[bytes, Body(media_type="text/csv", max_length=importer.MAX_BYTES)],
    on_duplicate: Duplicate = "ask",
) -> ImportOut:
    """Import a CSV or Excel file (request body), all rows or none."""
    summary = importer.import_measurements(ctx.session, ctx.user, content, today=periods.today(),
                                           on_duplicate=on_duplicate)
    return ImportOut(written=summary.written, replaced=summary.replaced, kept=summary.kept)


@router.post("/kpi/recompute", response_model=ImportOut)
def recompute(ctx: EditCtx, quarter: Quarter = None) -> ImportOut:
    """Recompute the computed indicators for a quarter (default: the last four quarters)."""
    chosen = [parse_period(quarter)] if quarter else quarters_back(
        last_complete_quarter(periods.today()), 4)
    count = computing.recompute(ctx.session, ctx.user, chosen)
    return ImportOut(written=count, replaced=0, kept=0)


@router.get("/kpi/status", response_model=list[StatusOut])
def status(ctx: ViewCtx, quarter: Quarter = None) -> list[StatusOut]:
    """Every indicator's status at the end of a quarter, with the reason in words."""
    period = parse_period(quarter) if quarter else last_complete_quarter(periods.today())
    data = dashboards.overview(ctx.session, period, today=periods.today())
    return [StatusOut(indicator=v.indicator.code, period=v.latest.period if v.latest else None,
                      value=v.latest.value if v.latest else None, status=v.verdict.status.value,
                      reason=ctx._(v.verdict.reason, **v.verdict.values))
            for v in data.all_indicators]


@router.get("/kpi/actions", response_model=list[ActionOut])
def list_actions(ctx: ViewCtx) -> list[FollowUpAction]:
    """Every follow-up action, soonest due first."""
    return list(ctx.session.scalars(select(FollowUpAction).order_by(FollowUpAction.due_date)))


@router.post("/kpi/actions", response_model=ActionOut, status_code=201)
def create_action(ctx: EditCtx, data: ActionIn) -> FollowUpAction:
    """Register a follow-up action for an indicator."""
    return service.add_action(ctx.session, ctx.user, data)


@router.patch("/kpi/actions/{action_id}", response_model=ActionOut)
def update_action(ctx: EditCtx, action_id: ItemId, data: ActionUpdate) -> FollowUpAction:
    """Move an action to a new state."""
    return service.update_action(ctx.session, ctx.user, action_id, data, today=periods.today())


@router.get("/kpi/projects", response_model=list[ProjectOut])
def list_projects(ctx: ViewCtx) -> list[Project]:
    """Every project with its progress entries."""
    return list(ctx.session.scalars(select(Project).options(selectinload(Project.progress))
                                    .order_by(Project.action_line_id, Project.name)))


@router.post("/kpi/projects", response_model=ProjectOut, status_code=201)
def create_project(ctx: EditCtx, data: ProjectIn) -> Project:
    """Add a project under an action line."""
    return projects.save_project(ctx.session, ctx.user, data)


@router.put("/kpi/projects/{project_id}", response_model=ProjectOut)
def update_project(ctx: EditCtx, project_id: ItemId, data: ProjectIn) -> Project:
    """Change a project."""
    return projects.save_project(ctx.session, ctx.user, data, project_id)


@router.post("/kpi/projects/{project_id}/progress", response_model=ProgressOut, status_code=201)
def create_progress(ctx: EditCtx, project_id: ItemId, data: ProgressIn,
                    on_duplicate: Duplicate = "ask") -> ProgressEntry:
    """Add a quarterly progress entry; an existing quarter needs on_duplicate=replace or keep."""
    return projects.add_progress(ctx.session, ctx.user, project_id, data,
                                 on_duplicate=on_duplicate)
