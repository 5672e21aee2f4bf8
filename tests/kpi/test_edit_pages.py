"""Analysts create and edit goals, indicators and projects on web pages; others may not."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.kpi import forms, service
from verkeerstoren.kpi.editing import pages as edit_pages
from verkeerstoren.kpi.models import ActionLine, Goal, Indicator, Project
from verkeerstoren.registry.models import Organisation
from verkeerstoren.web.i18n import catalogue

Login = Callable[[str], Browser]
KPI = Path(__file__).resolve().parents[2] / "src" / "verkeerstoren" / "kpi"


def _field_error(html: str, name: str) -> str | None:
    """The message shown beside the input called ``name`` (None when it has none)."""
    start = html.index(f'name="{name}"')
    following = [i for i in (html.find("<label class=", start + 1),
                             html.find("<fieldset", start + 1),
                             html.find('type="submit"', start + 1)) if i != -1]
    match = re.search(r'class="field-error"[^>]*>([^<]+)<', html[start:min(following)])
    return match.group(1) if match else None


def _ids(session: Session) -> tuple[int, int, int]:
    main = session.scalar(select(Goal.id).where(Goal.parent_id.is_(None)))
    line = session.scalar(select(ActionLine.id).order_by(ActionLine.id))
    org = session.scalar(select(Organisation.id).order_by(Organisation.id))
    assert main is not None
    assert line is not None
    assert org is not None
    return main, line, org


def _indicator_form(goal_id: int, org_id: int, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "code": "T9.1", "goal_id": str(goal_id), "name": "Ervaren wachttijd",
        "definition": "Aandeel cliënten dat de wachttijd acceptabel vindt.", "kind": "result",
        "nature": "quantitative", "unit": "percent", "direction": "up", "source": "Enquête",
        "frequency": "year", "responsible_organisation_id": str(org_id),
        "responsible_name": "Team monitoring", "baseline_value": "73,5", "baseline_year": "2016",
        "baseline_text": "73,5% (2016)", "tolerance": "2",
        "target_year": ["2025", "2030", ""], "target_value": ["76", "", ""],
        "target_text": ["", "nader in te vullen", ""],
    }
    form.update(changes)
    return form


def test_an_analyst_creates_and_edits_a_goal(kpi_session: Session, login: Login) -> None:
    analyst = login("analyst")
    main, line, _org = _ids(kpi_session)
    assert analyst.get(f"/kpi/goals/new?parent_id={main}").status_code == 200
    answer = analyst.post("/kpi/goals/new", data={
        "csrf_token": analyst.csrf, "parent_id": str(main), "title": "Minder wachtenden GGZ",
        "dimension": "access", "target_group": "GGZ", "action_line_id": str(line),
        "source": "Jaarplan 2026"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    goal = kpi_session.scalars(select(Goal).where(Goal.title == "Minder wachtenden GGZ")).one()
    assert (goal.parent_id, goal.level.value, goal.target_group) == (main, "sub", "GGZ")

    page = analyst.get(f"/kpi/goals/{goal.id}/edit")
    assert "Minder wachtenden GGZ" in page.text
    assert "Doel bewerken" in page.text
    answer = analyst.post(f"/kpi/goals/{goal.id}/edit", data={
        "csrf_token": analyst.csrf, "parent_id": str(main), "title": "Kortere wachttijd GGZ",
        "dimension": "", "target_group": "GGZ"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    kpi_session.refresh(goal)
    assert (goal.title, goal.dimension, goal.action_line_id) == ("Kortere wachttijd GGZ", None,
                                                                None)


def test_a_goal_cannot_move_under_its_own_sub_goal_or_become_a_second_main_goal(
    kpi_session: Session, login: Login,
) -> None:
    analyst = login("analyst")
    main, _line, _org = _ids(kpi_session)
    sub = kpi_session.scalar(select(Goal.id).where(Goal.parent_id == main))
    answer = analyst.post(f"/kpi/goals/{main}/edit", data={
        "csrf_token": analyst.csrf, "parent_id": str(sub), "title": "Hoofddoel"})
    assert answer.status_code == 422
    assert _field_error(answer.text, "parent_id") == \
        "Een doel kan niet onder een van zijn eigen subdoelen staan."
    answer = analyst.post("/kpi/goals/new", data={"csrf_token": analyst.csrf, "parent_id": "",
                                                   "title": "Tweede hoofddoel"})
    assert answer.status_code == 422
    assert "al een hoofddoel" in (_field_error(answer.text, "parent_id") or "")
    assert kpi_session.scalar(select(Goal.id).where(Goal.title == "Tweede hoofddoel")) is None
    assert kpi_session.get(Goal, main) is not None
    assert kpi_session.scalar(select(Goal.parent_id).where(Goal.id == main)) is None


def test_an_analyst_creates_and_edits_an_indicator_with_its_targets(
    kpi_session: Session, login: Login,
) -> None:
    analyst = login("analyst")
    main, _line, org = _ids(kpi_session)
    assert analyst.get(f"/kpi/indicators/new?goal_id={main}").status_code == 200
    answer = analyst.post("/kpi/indicators/new", data={
        "csrf_token": analyst.csrf, **_indicator_form(main, org)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    indicator = kpi_session.scalars(select(Indicator).where(Indicator.code == "T9.1")).one()
    assert answer.headers["location"] == f"/kpi/indicators/{indicator.id}"
    assert (indicator.baseline_value, indicator.baseline_year, indicator.tolerance) == \
        (73.5, 2016, 2.0)
    assert indicator.responsible_organisation_id == org
    assert [(t.year, t.value, t.text) for t in indicator.targets] == \
        [(2025, 76.0, None), (2030, None, "nader in te vullen")]

    page = analyst.get(f"/kpi/indicators/{indicator.id}/edit")
    assert 'value="73,5"' in page.text
    assert "nader in te vullen" in page.text
    answer = analyst.post(f"/kpi/indicators/{indicator.id}/edit", data={
        "csrf_token": analyst.csrf, **_indicator_form(
            main, org, name="Ervaren wachttijd (GGZ)", kind="effort", direction="down",
            tolerance="", target_year=["2026", ""], target_value=["80", ""],
            target_text=["", ""])}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    kpi_session.expire_all()
    indicator = kpi_session.get_one(Indicator, indicator.id)
    assert (indicator.name, indicator.kind.value, indicator.direction.value) == \
        ("Ervaren wachttijd (GGZ)", "effort", "down")
    assert indicator.tolerance is None
    assert [(t.year, t.value) for t in indicator.targets] == [(2026, 80.0)]


def test_bad_indicator_input_names_each_field_in_dutch_and_writes_nothing(
    kpi_session: Session, login: Login,
) -> None:
    analyst = login("analyst")
    main, _line, org = _ids(kpi_session)
    before = kpi_session.scalar(select(func.count()).select_from(Indicator))
    taken = kpi_session.scalar(select(Indicator.code).order_by(Indicator.id))
    answer = analyst.post("/kpi/indicators/new", data={
        "csrf_token": analyst.csrf, **_indicator_form(
            main, org, code="bad code!", name="", unit="furlongs", baseline_value="1.234,5",
            target_year=["1800", "2030"], target_value=["", ""], target_text=["x", ""])})
    assert answer.status_code == 422
    assert _field_error(answer.text, "code") == "Gebruik alleen letters, cijfers en . _ -"
    assert _field_error(answer.text, "name") == "dit veld is verplicht"
    assert _field_error(answer.text, "unit") == "geen toegestane waarde"
    assert _field_error(answer.text, "baseline_value") == "geen getal"
    assert _field_error(answer.text, "target_text") == \
        "Streefwaarde rij 1: moet minstens 1990 zijn"
    assert 'value="bad code!"' in answer.text  # what was typed stays in the form
    # Rules of the service (a code in use, two targets for a year) show the same way.
    answer = analyst.post("/kpi/indicators/new", data={
        "csrf_token": analyst.csrf, **_indicator_form(
            main, org, code=taken, target_year=["2030", "2030"], target_value=["1", "2"],
            target_text=["", ""])})
    assert answer.status_code == 422
    assert _field_error(answer.text, "code") == "Deze code is al in gebruik."
    assert _field_error(answer.text, "target_text") == "Eén streefwaarde per jaar."
    assert kpi_session.scalar(select(func.count()).select_from(Indicator)) == before


def test_an_analyst_creates_and_edits_a_project_with_linked_indicators(
    kpi_session: Session, login: Login,
) -> None:
    analyst = login("analyst")
    _main, line, org = _ids(kpi_session)
    first, second = kpi_session.scalars(select(Indicator.id).order_by(Indicator.id).limit(2))
    assert analyst.get(f"/kpi/projects/new?action_line_id={line}").status_code == 200
    answer = analyst.post("/kpi/projects/new", data={
        "csrf_token": analyst.csrf, "action_line_id": str(line), "name": "Transferpunt 2.0",
        "description": "Eén loket", "owner_organisation_id": str(org), "owner_name": "J. Jansen",
        "phase": "plan", "start_date": "2026-01-01", "end_date": "2026-12-31",
        "budget_eur": "125000,50", "indicator_ids": [str(first), str(second)]},
        follow_redirects=False)
    assert answer.status_code == 303, answer.text
    project = kpi_session.scalars(select(Project).where(Project.name == "Transferpunt 2.0")).one()
    assert (project.phase.value, project.budget_eur) == ("plan", 125000.5)
    assert sorted(i.id for i in project.indicators) == sorted([first, second])

    page = analyst.get(f"/kpi/projects/{project.id}/edit")
    assert 'value="2026-01-01"' in page.text
    assert "Transferpunt 2.0" in page.text
    answer = analyst.post(f"/kpi/projects/{project.id}/edit", data={
        "csrf_token": analyst.csrf, "action_line_id": str(line), "name": "Transferpunt 2.1",
        "phase": "execution", "start_date": "2026-01-01", "indicator_ids": [str(second)]},
        follow_redirects=False)
    assert answer.status_code == 303, answer.text
    kpi_session.expire_all()
    project = kpi_session.get_one(Project, project.id)
    assert (project.name, project.phase.value, project.end_date, project.budget_eur) == \
        ("Transferpunt 2.1", "execution", None, None)
    assert [i.id for i in project.indicators] == [second]


def test_bad_project_input_names_the_field_and_writes_nothing(
    kpi_session: Session, login: Login,
) -> None:
    analyst = login("analyst")
    _main, line, _org = _ids(kpi_session)
    answer = analyst.post("/kpi/projects/new", data={
        "csrf_token": analyst.csrf, "action_line_id": str(line), "name": "Omgekeerd",
        "phase": "plan", "start_date": "2026-06-01", "end_date": "2026-01-01",
        "budget_eur": "-5", "indicator_ids": ["999999"]})
    assert answer.status_code == 422
    assert _field_error(answer.text, "budget_eur") == "moet minstens 0 zijn"
    answer = analyst.post("/kpi/projects/new", data={
        "csrf_token": analyst.csrf, "action_line_id": str(line), "name": "Omgekeerd",
        "phase": "plan", "start_date": "2026-06-01", "end_date": "2026-01-01",
        "indicator_ids": ["999999"]})
    assert answer.status_code == 422
    assert _field_error(answer.text, "end_date") == "Het einde ligt vóór de start."
    assert "Onbekende indicator." in answer.text
    answer = analyst.post("/kpi/projects/new", data={
        "csrf_token": analyst.csrf, "action_line_id": str(line), "name": "Datum",
        "phase": "plan", "start_date": "1-6-2026"})
    assert answer.status_code == 422
    assert _field_error(answer.text, "start_date") == "Geef een datum zoals 31-12-2026."
    names = {"Omgekeerd", "Datum"}
    assert kpi_session.scalar(select(Project.id).where(Project.name.in_(names))) is None


@pytest.mark.parametrize("path", [
    "/kpi/goals/new", "/kpi/goals/{goal}/edit", "/kpi/indicators/new",
    "/kpi/indicators/{indicator}/edit", "/kpi/projects/new", "/kpi/projects/{project}/edit",
])
def test_a_viewer_may_neither_open_nor_post_the_edit_forms(
    kpi_session: Session, login: Login, path: str,
) -> None:
    viewer = login("viewer")
    url = path.format(goal=kpi_session.scalar(select(Goal.id).limit(1)),
                      indicator=kpi_session.scalar(select(Indicator.id).limit(1)),
                      project=kpi_session.scalar(select(Project.id).limit(1)))
    assert viewer.get(url).status_code == 403
    answer = viewer.post(url, data={"csrf_token": viewer.csrf, "title": "x", "name": "x"})
    assert answer.status_code == 403


def test_the_dashboards_link_the_edit_forms_for_analysts_only(
    kpi_session: Session, login: Login,
) -> None:
    indicator = kpi_session.scalar(select(Indicator.id).limit(1))
    analyst, viewer = login("analyst"), login("viewer")
    pages = {"/kpi": "/kpi/goals/new", f"/kpi/indicators/{indicator}":
             f"/kpi/indicators/{indicator}/edit", "/kpi/tactical": "/kpi/projects/new"}
    for page, link in pages.items():
        assert f'href="{link}' in analyst.get(page).text, page
        assert f'href="{link}' not in viewer.get(page).text, page


def test_every_label_option_and_message_of_the_forms_is_in_dutch() -> None:
    dutch = catalogue("nl")
    used: set[str] = set(forms.EXTRA_MESSAGES.values()) | {
        forms.PARENT_HELP, edit_pages.MAIN_GOAL_TAKEN, service.UNDER_OWN_SUB_GOAL}
    for labels in (forms.DIMENSION_LABELS, forms.KIND_LABELS, forms.NATURE_LABELS,
                   forms.UNIT_LABELS, forms.DIRECTION_LABELS, forms.FREQUENCY_LABELS):
        used |= set(labels.values())
    for name in ("forms.py", "editing/pages.py"):
        source = (KPI / name).read_text(encoding="utf-8")
        for pattern in (r'\btitle="([^"{]+)"', r'help="([^"]+)"',
                        r'Problem\(\s*"[^"]+",\s*"((?:[^"\\]|\\.)+)"', r'_\(\s*"([^"]+)"'):
            used |= set(re.findall(pattern, source))
    missing = sorted(m for m in used if not dutch.get(m))
    assert not missing
