"""District-nursing intake (O6): teams say whether and from when they take new clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity.models import TeamIntake
from verkeerstoren.capacity.schemas import IntakeIn, TeamMatch
from verkeerstoren.errors import NotFound, ValidationProblem
from verkeerstoren.registry.models import NursingTeam, ServiceArea, Wijk
from verkeerstoren.storage import events
from verkeerstoren.storage.base import utcnow


def report_intake(session: Session, actor: Actor, data: IntakeIn,
                  *, now: datetime | None = None) -> TeamIntake:
    """Record a team's intake status (history is kept; the latest counts)."""
    now = now or utcnow()
    team = session.get(NursingTeam, data.team_id)
    if team is None:
        raise NotFound("nursing_team", data.team_id)
    if data.accepting and data.available_from is not None and data.available_from < now.date():
        raise ValidationProblem("available_from", "start date lies in the past")
    intake = TeamIntake(
        team_id=team.id,
        accepting=data.accepting,
        available_from=data.available_from,
        capacity_note=data.capacity_note,
        reported_at=now,
        reported_by=actor.label[:254],
    )
    intake.team = team
    session.add(intake)
    session.flush()
    events.emit(session, "intake", team_id=team.id)
    return intake


def latest_intake(session: Session, team_ids: list[int]) -> dict[int, TeamIntake]:
    """The newest intake report of each team."""
    if not team_ids:
        return {}
    newest = (
        select(TeamIntake.team_id, func.max(TeamIntake.id).label("max_id"))
        .where(TeamIntake.team_id.in_(team_ids))
        .group_by(TeamIntake.team_id)
        .subquery()
    )
    rows = session.scalars(select(TeamIntake).join(newest, TeamIntake.id == newest.c.max_id))
    return {row.team_id: row for row in rows}


def _serves(team: NursingTeam, postcode4: int, wijk_codes: set[str]) -> bool:
    for area in team.service_areas:
        if area.wijk_code is not None and area.wijk_code in wijk_codes:
            return True
        if (
            area.postcode_from is not None
            and area.postcode_to is not None
            and area.postcode_from <= postcode4 <= area.postcode_to
        ):
            return True
    return False


def postcode_is_served(session: Session, postcode: str) -> bool:
    """Whether any team's service area (a postcode range) covers this postcode: lets the
    search say "outside every service area" instead of "no team takes clients"."""
    digits = postcode.strip()[:4]
    if not digits.isdigit():
        return False
    found = session.scalar(select(ServiceArea.id).where(
        ServiceArea.postcode_from <= int(digits), ServiceArea.postcode_to >= int(digits)
    ).limit(1))
    return found is not None


def find_teams(
    session: Session, *, postcode: str, start: date, skills: list[str],
    wijk_code: str | None = None,
) -> list[TeamMatch]:
    """Teams serving this postcode (or wijk) with every needed skill that can start by the
    wanted date or soonest after it; soonest first."""
    digits = postcode.strip()[:4]
    if not (digits.isdigit() and 1000 <= int(digits) <= 9999):
        raise ValidationProblem("postcode", "a Dutch postcode starts with four digits (1000–9999)")
    postcode4 = int(digits)
    wijken = {wijk_code} if wijk_code else set()
    if wijk_code and session.get(Wijk, wijk_code) is None:
        raise ValidationProblem("wijk_code", "unknown wijk")
    teams = list(session.scalars(
        select(NursingTeam).options(
            selectinload(NursingTeam.service_areas), selectinload(NursingTeam.skills),
            selectinload(NursingTeam.organisation),
        )
    ))
    needed = set(skills)
    candidates = [
        t for t in teams
        if _serves(t, postcode4, wijken) and needed <= {s.code for s in t.skills}
    ]
    intakes = latest_intake(session, [t.id for t in candidates])
    matches: list[TeamMatch] = []
    for team in candidates:
        intake = intakes.get(team.id)
        if intake is None or not intake.accepting:
            continue
        start_from = max(start, intake.available_from or start)
        matches.append(TeamMatch(
            team_id=team.id, team=team.name, organisation=team.organisation.name,
            phone=team.phone, email=team.email, skills=[s.code for s in team.skills],
            start_from=start_from, reported_at=intake.reported_at,
            capacity_note=intake.capacity_note,
        ))
    matches.sort(key=lambda m: (m.start_from, -m.reported_at.timestamp(), m.team))
    return matches


@dataclass(frozen=True)
class NearTeam:
    """A team near a postcode that no team serves or none can take: whom to phone instead."""

    team: str
    organisation: str
    phone: str | None
    email: str | None
    # How far the team's nearest service area lies, in postcode numbers (0: it serves it).
    postcode_gap: int
    accepting: bool
    start_from: date | None


def nearest_teams(session: Session, *, postcode: str, start: date,
                  limit: int = 3) -> list[NearTeam]:
    """The teams whose service areas lie nearest this postcode, each with its phone number and
    whether it takes new clients (issue 14: a search that finds no team is no dead end).

    Near means numerically near: Dutch 4-digit postcodes are handed out by area, so a close
    number is a close place (the same rule ``placement.options.area_point`` uses).
    """
    digits = postcode.strip()[:4]
    if not (digits.isdigit() and 1000 <= int(digits) <= 9999):
        return []
    postcode4 = int(digits)
    teams = list(session.scalars(select(NursingTeam).options(
        selectinload(NursingTeam.service_areas), selectinload(NursingTeam.organisation))))
    gaps: list[tuple[int, NursingTeam]] = []
    for team in teams:
        ranges = [(a.postcode_from, a.postcode_to) for a in team.service_areas
                  if a.postcode_from is not None and a.postcode_to is not None]
        if ranges:
            gaps.append((min(0 if low <= postcode4 <= high else
                             min(abs(postcode4 - low), abs(postcode4 - high))
                             for low, high in ranges), team))
    gaps.sort(key=lambda g: (g[0], g[1].name))
    chosen = gaps[:limit]
    intakes = latest_intake(session, [t.id for _, t in chosen])
    found = []
    for gap, team in chosen:
        intake = intakes.get(team.id)
        accepting = bool(intake and intake.accepting)
        found.append(NearTeam(
            team=team.name, organisation=team.organisation.name, phone=team.phone,
            email=team.email, postcode_gap=gap, accepting=accepting,
            start_from=max(start, intake.available_from or start)
            if intake and accepting else None))
    return found
