"""Importing district-nursing teams of existing organisations: plan every row, then write."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.registry.checks import skills_by_code
from verkeerstoren.registry.fields import Email, Name, Phone
from verkeerstoren.registry.import_rows import (
    ImportSummary,
    assign,
    by_code_or_name,
    plan_rows,
    split_cells,
    validated,
)
from verkeerstoren.registry.models import NursingTeam, Organisation, ServiceArea, Wijk
from verkeerstoren.registry.schemas import ServiceAreaIn, parse_service_areas


class _TeamRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    organisation: Name
    team: Name
    phone: Phone = None
    email: Email = None


@dataclass
class _Team:
    first_row: int
    row: _TeamRow
    skills: list[str]
    areas: list[ServiceAreaIn]


class _TeamPlan:
    """The teams a file describes, keyed by (organisation id, name), and the problems found."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.orgs = {o.name: o for o in session.scalars(select(Organisation))}
        self.skills = skills_by_code(session)
        self.wijken: dict[str, bool] = {}
        self.teams: dict[tuple[int, str], _Team] = {}
        self.problems: list[ValidationProblem] = []

    def add(self, row: int, record: dict[str, str]) -> None:
        """Check one row; every problem of it is collected, a good row is planned."""
        parsed: _TeamRow | None = None
        try:
            parsed = validated(_TeamRow, record, row)
        except ValidationErrors as errors:
            self.problems += errors.problems
        org_name = record.get("organisation", "")
        org = self.orgs.get(org_name)
        if org is None and org_name:
            self.problems.append(ValidationProblem(
                "organisation", "Unknown organisation {name}.", row=row, name=org_name[:60]))
        skill_codes = self._skills(row, record)
        areas = self._areas(row, record)
        if org is None or parsed is None:
            return
        key = (org.id, parsed.team)
        if key in self.teams:
            self.problems.append(ValidationProblem(
                "team", "This team already appears in row {first}.", row=row,
                first=self.teams[key].first_row))
        else:
            self.teams[key] = _Team(row, parsed, skill_codes, areas)

    def _skills(self, row: int, record: dict[str, str]) -> list[str]:
        codes: list[str] = []
        for value in split_cells(record.get("skills")):
            code = by_code_or_name(self.skills, value)
            if code is None:
                self.problems.append(ValidationProblem(
                    "skills", "Unknown skill {code}.", row=row, code=value[:40]))
            elif code not in codes:
                codes.append(code)
        return codes

    def _areas(self, row: int, record: dict[str, str]) -> list[ServiceAreaIn]:
        areas, bad = parse_service_areas(record.get("service_areas") or "")
        for token in bad:
            self.problems.append(ValidationProblem(
                "service_areas",
                "{value} is neither a postcode range like 2711-2729 nor a code like WK063701.",
                row=row, value=token))
        for area in areas:
            code = area.wijk_code
            if code is None:
                continue
            if code not in self.wijken:
                self.wijken[code] = self.session.get(Wijk, code) is not None
            if not self.wijken[code]:
                self.problems.append(ValidationProblem(
                    "service_areas", "Unknown neighbourhood {code}.", row=row, code=code))
        return areas


def import_teams(session: Session, data: bytes) -> ImportSummary:
    """Check every row of a teams file, then create or update each team by name."""
    plan = _TeamPlan(session)
    summary = plan_rows(data, "teams", plan)
    _write_teams(session, summary, plan)
    return summary


def _write_teams(session: Session, summary: ImportSummary, plan: _TeamPlan) -> None:
    teams = {
        (t.organisation_id, t.name): t
        for t in session.scalars(
            select(NursingTeam).options(
                selectinload(NursingTeam.skills), selectinload(NursingTeam.service_areas)
            )
        )
    }
    for key, item in plan.teams.items():
        team = teams.get(key)
        created = team is None
        if team is None:
            team = NursingTeam(organisation_id=key[0], name=key[1])
            session.add(team)
        changed = assign(team, {"phone": item.row.phone, "email": item.row.email})
        if sorted(s.code for s in team.skills) != sorted(item.skills):
            changed = True
            team.skills = [plan.skills[c] for c in item.skills]
        wanted = list(dict.fromkeys(
            (a.postcode_from, a.postcode_to, a.wijk_code) for a in item.areas))
        current = [(a.postcode_from, a.postcode_to, a.wijk_code) for a in team.service_areas]
        if current != wanted:
            changed = True
            team.service_areas = [
                ServiceArea(postcode_from=f, postcode_to=t, wijk_code=w) for f, t, w in wanted
            ]
        if created:
            summary.teams_created += 1
        elif changed:
            summary.teams_updated += 1
    session.flush()
