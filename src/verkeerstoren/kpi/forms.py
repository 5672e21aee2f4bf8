"""Edit forms of goals, indicators and projects: field lists, stored values, posted forms → inputs.

The pages turn a posted form into the same pydantic inputs the API takes (GoalIn, IndicatorIn,
ProjectIn) and hand them to the same service functions, so a rule lives in one place.
Labels are English msgids; the template translates them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren import validation
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.kpi.format import number
from verkeerstoren.kpi.models import (
    ActionLine,
    Dimension,
    Direction,
    Frequency,
    Goal,
    Indicator,
    IndicatorKind,
    Nature,
    Project,
    Unit,
)
from verkeerstoren.kpi.projects import PHASE_LABELS
from verkeerstoren.kpi.schemas import GoalIn, IndicatorIn, ProjectIn
from verkeerstoren.kpi.service import organisation_choices
from verkeerstoren.web.forms import FormField

FormValues = dict[str, list[str]]
Options = list[tuple[str, str]]
# Empty target rows shown under the stored ones, so a year can be added without scripting.
BLANK_TARGET_ROWS = 3
PARENT_HELP = "Empty for the main goal (hoofddoel); a sub-goal has a parent."

DIMENSION_LABELS = {
    Dimension.HEALTH: "Health of the population",
    Dimension.QUALITY: "Quality of care as experienced",
    Dimension.COSTS: "Costs",
    Dimension.PROFESSIONAL: "Job satisfaction of professionals",
    Dimension.ACCESS: "Access (waiting lists and times)",
}
KIND_LABELS = {IndicatorKind.EFFORT: "Effort indicator", IndicatorKind.RESULT: "Result indicator"}
NATURE_LABELS = {Nature.QUANTITATIVE: "quantitative", Nature.QUALITATIVE: "qualitative"}
UNIT_LABELS = {Unit.PERCENT: "percent", Unit.COUNT: "count", Unit.DAYS: "days",
               Unit.HOURS: "hours", Unit.EUR: "euro", Unit.SCORE: "score", Unit.TEXT: "text"}
DIRECTION_LABELS = {Direction.UP: "Higher is better", Direction.DOWN: "Lower is better",
                    Direction.NONE: "No direction (follow only)"}
FREQUENCY_LABELS = {Frequency.MONTH: "per month", Frequency.QUARTER: "per quarter",
                    Frequency.YEAR: "per year"}

# Pydantic error kinds the registry's table does not name, in words a user understands.
EXTRA_MESSAGES = {
    "string_too_short": "This field is required.",
    "string_pattern_mismatch": "Use only letters, digits and . _ -",
    "date_from_datetime_parsing": "Give a date like 31-12-2026.",
    "date_parsing": "Give a date like 31-12-2026.",
    "date_type": "Give a date like 31-12-2026.",
    "list_type": "Invalid value.",
}


def _options(labels: dict[Any, str]) -> Options:
    return [(str(key.value), label) for key, label in labels.items()]


def _organisations(session: Session) -> Options:
    return [(str(key), name) for key, name in organisation_choices(session)]


def _action_lines(session: Session) -> Options:
    return [(str(a.id), f"{a.name} ({a.programme})") for a in session.scalars(
        select(ActionLine).order_by(ActionLine.programme, ActionLine.sort_order, ActionLine.name))]


def _descendants(session: Session, goal_id: int) -> set[int]:
    pairs = list(session.execute(select(Goal.id, Goal.parent_id)))
    found, frontier = {goal_id}, [goal_id]
    while frontier:
        current = frontier.pop()
        for child, parent in pairs:
            if parent == current and child not in found:
                found.add(child)
                frontier.append(child)
    return found


def goal_options(session: Session, *, exclude: int | None = None) -> Options:
    """Goals to choose as a parent, the main goal first; never the goal itself or its subtree."""
    hidden = _descendants(session, exclude) if exclude is not None else set()
    goals = session.scalars(select(Goal).order_by(Goal.parent_id.is_not(None), Goal.sort_order,
                                                  Goal.id))
    return [(str(g.id), g.title) for g in goals if g.id not in hidden]


def goal_fields(session: Session, goal_id: int | None = None) -> list[FormField]:
    """Inputs of the goal form; an empty parent makes the goal the hoofddoel."""
    return [
        FormField("parent_id", "Parent goal", "select", options=goal_options(
            session, exclude=goal_id), help=PARENT_HELP),
        FormField("title", "Title", required=True),
        FormField("description", "Description", "textarea"),
        FormField("dimension", "Quadruple-aim dimension", "select",
                  options=_options(DIMENSION_LABELS)),
        FormField("target_group", "Target group"),
        FormField("action_line_id", "Action line", "select", options=_action_lines(session)),
        FormField("source", "Source document"),
    ]


def indicator_fields(session: Session) -> list[FormField]:
    """Inputs of the indicator form (the yearly targets are a table of their own)."""
    return [
        FormField("code", "Code", required=True, help="Letters, digits and . _ - (e.g. H1.2)"),
        FormField("goal_id", "Goal", "select", options=goal_options(session), required=True),
        FormField("name", "Name", required=True),
        FormField("definition", "Definition", "textarea"),
        FormField("kind", "Kind", "select", options=_options(KIND_LABELS), required=True),
        FormField("nature", "Quantitative or qualitative", "select",
                  options=_options(NATURE_LABELS), required=True),
        FormField("unit", "Unit of measurement", "select", options=_options(UNIT_LABELS),
                  required=True),
        FormField("direction", "Desired direction", "select",
                  options=_options(DIRECTION_LABELS), required=True),
        FormField("source", "Source"),
        FormField("frequency", "Frequency", "select", options=_options(FREQUENCY_LABELS),
                  required=True),
        FormField("responsible_organisation_id", "Responsible organisation", "select",
                  options=_organisations(session)),
        FormField("responsible_name", "Responsible person or team"),
        FormField("baseline_value", "Baseline value", help="A number; decimal comma allowed."),
        FormField("baseline_year", "Baseline year", "number"),
        FormField("baseline_text", "Baseline as the document words it"),
        FormField("tolerance", "Tolerance",
                  help="Allowed shortfall in the unit; empty: 5% of the target."),
    ]


def project_fields(session: Session) -> list[FormField]:
    """Inputs of the project form."""
    indicators = [(str(i.id), f"{i.code} {i.name}") for i in session.scalars(
        select(Indicator).order_by(Indicator.sort_order, Indicator.code))]
    return [
        FormField("action_line_id", "Action line", "select", options=_action_lines(session),
                  required=True),
        FormField("name", "Name", required=True),
        FormField("description", "Description", "textarea"),
        FormField("owner_organisation_id", "Owner organisation", "select",
                  options=_organisations(session)),
        FormField("owner_name", "Project leader"),
        FormField("phase", "Phase", "select", required=True,
                  options=[(key, label) for key, label in PHASE_LABELS.items()]),
        FormField("start_date", "Start", "date"),
        FormField("end_date", "End", "date"),
        FormField("budget_eur", "Budget (euro)", help="A number; decimal comma allowed."),
        FormField("indicator_ids", "Linked indicators", "multiselect", options=indicators),
    ]


# --- stored values → form values ------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "value"):  # an enum member: the form posts its value
        return str(value.value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def goal_values(goal: Goal) -> dict[str, Any]:
    """A stored goal as the form shows it."""
    return {name: _text(getattr(goal, name)) for name in GoalIn.model_fields}


def indicator_values(indicator: Indicator) -> dict[str, Any]:
    """A stored indicator as the form shows it."""
    return {name: _text(getattr(indicator, name)) for name in IndicatorIn.model_fields
            if name != "targets"}


def target_rows(indicator: Indicator | None) -> list[dict[str, str]]:
    """The indicator's targets as table rows, plus a few empty ones to add a year."""
    rows = [{"year": str(t.year), "value": _text(t.value), "text": t.text or ""}
            for t in (indicator.targets if indicator is not None else [])]
    return rows + [{"year": "", "value": "", "text": ""}] * BLANK_TARGET_ROWS


def posted_target_rows(values: FormValues) -> list[dict[str, str]]:
    """The target table as posted, so a refused form shows what was typed."""
    years, amounts, texts = (values.get(f"target_{k}", []) for k in ("year", "value", "text"))
    count = max(len(years), len(amounts), len(texts))
    rows = [{"year": _at(years, i), "value": _at(amounts, i), "text": _at(texts, i)}
            for i in range(count)]
    return rows or target_rows(None)


def project_values(project: Project) -> dict[str, Any]:
    """A stored project as the form shows it."""
    values: dict[str, Any] = {name: _text(getattr(project, name))
                              for name in ProjectIn.model_fields if name != "indicator_ids"}
    values["indicator_ids"] = [str(i.id) for i in project.indicators]
    return values


def shown_values(fields: list[FormField], values: FormValues) -> dict[str, Any]:
    """Posted values in the shape the form template expects (lists only for checkbox groups)."""
    return {f.name: values.get(f.name, []) if f.kind == "multiselect" else one(values, f.name)
            for f in fields}


# --- posted form → API input ----------------------------------------------------------------


def _at(items: list[str], index: int) -> str:
    return items[index].strip() if index < len(items) else ""


def one(values: FormValues, name: str) -> str:
    """The first value posted for a field, stripped; '' when absent."""
    found = values.get(name) or [""]
    return found[0].strip()


def _optional(values: FormValues, name: str) -> str | None:
    return one(values, name) or None


def _number(text: str) -> str | None:
    # A Dutch decimal comma is accepted; pydantic refuses anything that is still not a number.
    return text.replace(",", ".") if text else None


def _plain(values: FormValues, names: list[str]) -> dict[str, Any]:
    return {name: _optional(values, name) for name in names}


def goal_in(values: FormValues) -> GoalIn:
    """The posted goal form as the API's input (raises pydantic's ValidationError)."""
    return GoalIn.model_validate(_plain(values, list(GoalIn.model_fields)))


def indicator_in(values: FormValues) -> IndicatorIn:
    """The posted indicator form, targets table included, as the API's input."""
    data = _plain(values, [n for n in IndicatorIn.model_fields if n != "targets"])
    for name in ("baseline_value", "tolerance"):
        data[name] = _number(one(values, name))
    data = {k: v for k, v in data.items() if v is not None}
    data["targets"] = [
        {"year": row["year"] or None, "value": _number(row["value"]), "text": row["text"] or None}
        for row in posted_target_rows(values) if any(row.values())
    ]
    return IndicatorIn.model_validate(data)


def project_in(values: FormValues) -> ProjectIn:
    """The posted project form as the API's input."""
    data = _plain(values, [n for n in ProjectIn.model_fields if n != "indicator_ids"])
    data["budget_eur"] = _number(one(values, "budget_eur"))
    data = {k: v for k, v in data.items() if v is not None}
    data["indicator_ids"] = [v for v in values.get("indicator_ids", []) if v.strip()]
    return ProjectIn.model_validate(data)


def _bound(value: object) -> object:
    if isinstance(value, float):
        return int(value) if value.is_integer() else number(value, 2)
    return value


def problems_of(error: ValidationError) -> list[ValidationProblem]:
    """Pydantic's errors as problems named by form field; a target row keeps its number."""
    problems: list[ValidationProblem] = []
    converted = validation.problems(error, top_level=True)
    for item, problem in zip(error.errors(include_url=False), converted, strict=True):
        loc = item.get("loc", ())
        kind = str(item.get("type", ""))
        row = int(loc[1]) + 1 if len(loc) > 1 and loc[0] == "targets" and \
            isinstance(loc[1], int) else None
        if kind in EXTRA_MESSAGES:
            problems.append(ValidationProblem(problem.field, EXTRA_MESSAGES[kind], row=row))
        else:
            # Bounds as a person writes them: "minstens 0", not "0.0"; a year without a dot.
            values = {k: _bound(v) for k, v in problem.params.items()}
            problems.append(ValidationProblem(problem.field, problem.message, row=row,
                                              params=values))
    return problems

