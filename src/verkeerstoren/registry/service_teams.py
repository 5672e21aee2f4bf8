"""District-nursing teams with their skills and service areas (postcode ranges or wijken)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.scoping import scoped_get
from verkeerstoren.errors import NotFound, ValidationProblem
from verkeerstoren.registry.checks import (
    name_taken,
    organisation_for_new,
    raise_all,
    skills_by_code,
    where_name,
)
from verkeerstoren.registry.models import NursingTeam, ServiceArea, Skill, Wijk
from verkeerstoren.registry.schemas import (
    NursingTeamIn,
    NursingTeamUpdate,
    ServiceAreaIn,
)


def list_teams(
    session: Session, q: str | None = None, organisation_id: int | None = None
) -> Sequence[NursingTeam]:
    """Teams whose name contains q, optionally of one organisation, by name."""
    statement = where_name(select(NursingTeam), NursingTeam.name, q).options(
        selectinload(NursingTeam.skills), selectinload(NursingTeam.service_areas)
    )
    if organisation_id is not None:
        statement = statement.where(NursingTeam.organisation_id == organisation_id)
    return session.scalars(statement.order_by(NursingTeam.name, NursingTeam.id)).all()


def get_team(session: Session, team_id: int) -> NursingTeam:
    """One team, or NotFound (also when the edit scope hides it)."""
    found = scoped_get(session, NursingTeam, team_id)
    if found is None:
        raise NotFound("NursingTeam", team_id)
    return found


def _skills_and_areas(
    session: Session, skills: list[str] | None, areas: list[ServiceAreaIn] | None
) -> tuple[list[ValidationProblem], list[Skill] | None]:
    problems: list[ValidationProblem] = []
    chosen: list[Skill] | None = None
    if skills is not None:
        known = skills_by_code(session)
        chosen = []
        for code in dict.fromkeys(skills):
            if code in known:
                chosen.append(known[code])
            else:
                problems.append(ValidationProblem("skills", "Unknown skill {code}.", code=code))
    for area in areas or []:
        if area.wijk_code is not None and session.get(Wijk, area.wijk_code) is None:
            problems.append(
                ValidationProblem("service_areas", "Unknown neighbourhood {code}.",
                                  code=area.wijk_code)
            )
    return problems, chosen


def _areas(areas: list[ServiceAreaIn]) -> list[ServiceArea]:
    unique = dict.fromkeys((a.postcode_from, a.postcode_to, a.wijk_code) for a in areas)
    return [ServiceArea(postcode_from=f, postcode_to=t, wijk_code=w) for f, t, w in unique]


def _name_problem(
    session: Session, organisation_id: int, name: str, exclude_id: int | None
) -> list[ValidationProblem]:
    if name_taken(
        session,
        NursingTeam.name,
        name,
        same=[NursingTeam.organisation_id == organisation_id],
        id_column=NursingTeam.id,
        exclude_id=exclude_id,
    ):
        return [ValidationProblem("name", "This organisation already has a team with this name.")]
    return []


def create_team(session: Session, actor: Actor, data: NursingTeamIn) -> NursingTeam:
    """Add a team; a provider's team belongs to its own organisation."""
    organisation_id = organisation_for_new(session, actor, data.organisation_id)
    problems, skills = _skills_and_areas(session, data.skills, data.service_areas)
    problems += _name_problem(session, organisation_id, data.name, None)
    raise_all(problems)
    team = NursingTeam(
        organisation_id=organisation_id, name=data.name, phone=data.phone, email=data.email
    )
    team.skills = skills or []
    team.service_areas = _areas(data.service_areas)
    session.add(team)
    session.flush()
    return team


def update_team(
    session: Session, actor: Actor, team_id: int, data: NursingTeamUpdate
) -> NursingTeam:
    """Change the fields sent; skills and service areas sent replace the team's own."""
    team = get_team(session, team_id)
    changes = data.model_dump(exclude_unset=True, exclude={"skills", "service_areas"})
    if changes.get("name", ...) is None:
        changes.pop("name", None)
    problems, skills = _skills_and_areas(session, data.skills, data.service_areas)
    problems += _name_problem(
        session, team.organisation_id, changes.get("name", team.name), team.id
    )
    raise_all(problems)
    for key, value in changes.items():
        setattr(team, key, value)
    if skills is not None:
        team.skills = skills
    if data.service_areas is not None:
        team.service_areas = _areas(data.service_areas)
    session.flush()
    return team
