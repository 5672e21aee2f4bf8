"""Projects per action line (T3): phases, linked indicators and quarterly progress entries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.errors import NotFound, ValidationErrors, ValidationProblem
from verkeerstoren.kpi.models import ActionLine, Indicator, ProgressEntry, Project
from verkeerstoren.kpi.schemas import ProgressIn, ProjectIn
from verkeerstoren.kpi.service import organisation_exists, require_edit

PHASE_LABELS = {
    "idea": "Idea",
    "assignment": "Project assignment",
    "plan": "Plan of approach",
    "implementation_plan": "Implementation plan",
    "execution": "Execution",
    "final_report": "Final report",
    "embedded": "Embedded",
}


def save_project(
    session: Session, actor: Actor, data: ProjectIn, project_id: int | None = None
) -> Project:
    """Create or update a project and its linked indicators."""
    require_edit(actor)
    project = Project() if project_id is None else session.get(Project, project_id)
    if project is None:
        raise NotFound("project", project_id)
    problems: list[ValidationProblem] = []
    if session.get(ActionLine, data.action_line_id) is None:
        problems.append(ValidationProblem("action_line_id", "Unknown action line."))
    org = data.owner_organisation_id
    if org is not None and not organisation_exists(session, org):
        problems.append(ValidationProblem("owner_organisation_id", "Unknown organisation."))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        problems.append(ValidationProblem("end_date", "The end lies before the start."))
    indicators = list(session.scalars(
        select(Indicator).where(Indicator.id.in_(data.indicator_ids)))) if data.indicator_ids \
        else []
    if len(indicators) != len(set(data.indicator_ids)):
        problems.append(ValidationProblem("indicator_ids", "Unknown indicator."))
    clash = session.scalar(select(Project.id).where(
        Project.action_line_id == data.action_line_id, Project.name == data.name))
    if clash is not None and clash != project_id:
        problems.append(ValidationProblem("name",
                                          "This action line already has a project of this name."))
    if problems:
        raise ValidationErrors(problems)
    for name, value in data.model_dump(exclude={"indicator_ids"}).items():
        setattr(project, name, value)
    project.indicators = indicators
    session.add(project)
    session.flush()
    return project


def add_progress(
    session: Session, actor: Actor, project_id: int, data: ProgressIn, *,
    on_duplicate: str = "ask",
) -> ProgressEntry:
    """Record a project's progress for a quarter; the project's phase follows the entry.

    When the quarter already has an entry, ``on_duplicate`` decides: "ask" refuses (naming the
    quarter), "replace" overwrites it, "keep" leaves it and returns the stored entry.
    """
    require_edit(actor)
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("project", project_id)
    entry = session.scalar(select(ProgressEntry).where(
        ProgressEntry.project_id == project_id, ProgressEntry.quarter == data.quarter))
    if entry is not None and on_duplicate == "keep":
        return entry
    if entry is not None and on_duplicate != "replace":
        raise ValidationErrors([ValidationProblem("quarter",
                                                  "There is already an entry for {quarter}: "
                                                  "choose replace or keep.", quarter=data.quarter)])
    entry = entry or ProgressEntry(project_id=project_id, quarter=data.quarter)
    for name, value in data.model_dump().items():
        setattr(entry, name, value)
    entry.recorded_by = actor.label
    session.add(entry)
    latest = max([p.quarter for p in project.progress if p is not entry] + [data.quarter])
    if latest == data.quarter:
        project.phase = data.phase
    session.flush()
    return entry
