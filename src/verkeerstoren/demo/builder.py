"""Build the demo region: real gemeenten and wijken, invented providers, beds, teams and users.

``build_demo`` fills an empty (migrated) database so that the app can be shown and tested without
any real provider data. The geography is real (CBS 2024); every organisation, location, unit and
team is invented, named with "(demo)" and flagged ``is_demo``. The build is deterministic: the
same data folder gives the same rows in the same order, hence the same ids.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.roles import Role
from verkeerstoren.access.service import create_user
from verkeerstoren.demo import builtin
from verkeerstoren.demo.activity import seed_activity
from verkeerstoren.demo.areas import (
    POSTCODES,
    AreaFilesMissing,
    Areas,
    WijkArea,
    contains,
    load_areas,
)
from verkeerstoren.demo.invented import (
    EXTRA_SKILLS,
    GENERAL_SKILLS,
    HOUSE_NAMES,
    LOCATION_PREFIX,
    MENUS,
    OTHERS,
    PROVIDERS,
    STREETS,
    TEAMS,
    OrgSpec,
    TeamPlan,
    demo,
    postcode,
    split_codes,
)
from verkeerstoren.errors import Conflict
from verkeerstoren.registry.models import (
    CareUnit,
    Feature,
    Gemeente,
    Location,
    NursingTeam,
    Organisation,
    Region,
    ServiceArea,
    Skill,
    UnitBedType,
    Wijk,
)
from verkeerstoren.registry.reference import ensure_reference_data
from verkeerstoren.storage.base import utcnow

DEMO_PASSWORD = "demo-wachtwoord-2024"  # noqa: S105 - published on purpose, guards nothing
SEED = 20240101
EMAIL_DOMAIN = "demo.verkeerstoren.nl"
POPULATION_YEAR = 2024

# (e-mail local part, role, organisation without the demo suffix, display name). The second
# provider user belongs to another organisation so that own-org scoping can be shown and tested.
USERS: tuple[tuple[str, Role, str, str], ...] = (
    ("admin", Role.ADMIN, "Centraal Coördinatiepunt Zoetermeer", "Demo Beheerder"),
    ("coordinator", Role.COORDINATOR, "Centraal Coördinatiepunt Zoetermeer",
     "Demo Transferverpleegkundige"),
    ("provider", Role.PROVIDER, "Zorggroep Zoetermeer", "Demo Bedcoördinator"),
    ("provider2", Role.PROVIDER, "Stadsziekenhuis Zoetermeer", "Demo Bedcoördinator Ziekenhuis"),
    ("referrer", Role.REFERRER, "Huisartsenpraktijk Meerzicht", "Demo Huisarts"),
    ("analyst", Role.ANALYST, "Gemeente Zoetermeer", "Demo Analist"),
    ("viewer", Role.VIEWER, "Gemeente Zoetermeer", "Demo Beleidsmedewerker"),
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    role: Role
    organisation: str


@dataclass(frozen=True)
class DemoResult:
    users: list[DemoUser]
    used_real_data: bool
    message: str
    counts: dict[str, int]


@dataclass(frozen=True)
class _Plan:
    areas: Areas
    providers: tuple[OrgSpec, ...]
    others: tuple[OrgSpec, ...]
    teams: tuple[TeamPlan, ...]


def _choose_plan(data_dir: Path | None) -> tuple[_Plan, str | None]:
    """The plan to build and, when falling back, why."""
    if data_dir is None:
        reason = "No data directory given"
    else:
        try:
            return _Plan(load_areas(data_dir), PROVIDERS, OTHERS, TEAMS), None
        except AreaFilesMissing as missing:
            reason = f"{missing.path} not found"
    plan = _Plan(builtin.AREAS, builtin.PROVIDERS_BUILTIN, builtin.OTHERS_BUILTIN,
                 builtin.TEAMS_BUILTIN)
    return plan, reason


def _nickname(wijk: WijkArea, place: str) -> str:
    # CBS names many wijken "Wijk 07 Scheveningen"; Rijswijk's are only "Wijk 01".
    bare = re.sub(r"^Wijk \d+\s*", "", wijk.name)
    return bare or f"{place} {wijk.name}"


def _write_areas(session: Session, areas: Areas) -> None:
    # Areas may already be there (a registry import); they are shared, not demo rows.
    regions: dict[str, Region] = {}
    for g in areas.gemeenten:
        if g.region not in regions:
            region = session.scalar(select(Region).where(Region.name == g.region))
            if region is None:
                region = Region(name=g.region)
                session.add(region)
            regions[g.region] = region
    session.flush()
    for g in areas.gemeenten:
        if session.get(Gemeente, g.code) is None:
            session.add(Gemeente(code=g.code, name=g.name, region_id=regions[g.region].id,
                                 population=g.population, population_year=POPULATION_YEAR))
    session.flush()
    for w in areas.wijken:
        if session.get(Wijk, w.code) is None:
            session.add(Wijk(code=w.code, name=w.name, gemeente_code=w.gemeente_code,
                             population=w.population))
    session.flush()


def _point(rng: random.Random, wijk: WijkArea) -> tuple[float, float]:
    """A point near the wijk's interior point, so that sites in one wijk do not overlap on a
    map; stays on the interior point when the nudge would leave the wijk."""
    for _ in range(5):
        lat = round(wijk.latitude + rng.uniform(-0.002, 0.002), 5)
        lon = round(wijk.longitude + rng.uniform(-0.003, 0.003), 5)
        if wijk.ring and contains(wijk.ring, lon, lat):
            return lat, lon
    return wijk.latitude, wijk.longitude


class _Builder:
    def __init__(self, session: Session, plan: _Plan) -> None:
        self.session = session
        self.plan = plan
        self.rng = random.Random(SEED)
        self.orgs: dict[str, Organisation] = {}
        self.houses = list(HOUSE_NAMES)
        self.rng.shuffle(self.houses)
        self.counts = {"locations": 0, "units": 0, "beds": 0, "teams": 0}

    def organisations(self) -> None:
        for spec in (*self.plan.providers, *self.plan.others):
            org = Organisation(name=demo(spec.name), kind=spec.kind, is_demo=True)
            self.session.add(org)
            self.orgs[spec.name] = org
        self.session.flush()

    def locations(self) -> None:
        wijken = self.plan.areas.wijken
        for spec in self.plan.providers:
            org = self.orgs[spec.name]
            names: set[str] = set()
            for kind, gm in spec.locations:
                inhabited = [w for w in wijken if w.gemeente_code == gm and w.population]
                weights = [w.population or 0 for w in inhabited]
                wijk = self.rng.choices(inhabited, weights=weights)[0]
                code, place = postcode(self.rng, POSTCODES[gm], wijk.name)
                if kind in ("nursing_home", "small_scale"):
                    name = f"{self.rng.choice(LOCATION_PREFIX[kind])} {self.houses.pop()}"
                else:
                    name = f"{spec.name} locatie {_nickname(wijk, place)}"
                while name in names:
                    name += " II"
                names.add(name)
                lat, lon = _point(self.rng, wijk)
                location = Location(
                    organisation_id=org.id, name=demo(name), street=self.rng.choice(STREETS),
                    house_number=str(self.rng.randint(1, 250)), postcode=code, city=place,
                    gemeente_code=gm, wijk_code=wijk.code, latitude=lat, longitude=lon,
                    is_demo=True,
                )
                self.session.add(location)
                self.session.flush()
                self.counts["locations"] += 1
                self.units(org, location, kind)

    def units(self, org: Organisation, location: Location, kind: str) -> None:
        menu, fewest, most = MENUS[kind]
        chosen = sorted(self.rng.sample(range(len(menu)), self.rng.randint(fewest, most)))
        for index in chosen:
            template = menu[index]
            extra = self.rng.sample(template.feature_pool,
                                    self.rng.randint(0, min(2, len(template.feature_pool))))
            codes = sorted({*template.always, *extra})
            unit = CareUnit(
                organisation_id=org.id, location_id=location.id, name=demo(template.name),
                is_demo=True,
                features=[f for c in codes if (f := self.session.get(Feature, c)) is not None],
            )
            for bed_type, low, high in template.beds:
                beds = self.rng.randint(low, high)
                unit.bed_types.append(UnitBedType(bed_type_code=bed_type, physical_beds=beds))
                self.counts["beds"] += beds
            self.session.add(unit)
            self.counts["units"] += 1
        self.session.flush()

    def teams(self) -> None:
        areas = self.plan.areas
        for plan in self.plan.teams:
            gemeenten = [gm for gm in plan.gemeenten if any(g.code == gm for g in areas.gemeenten)]
            ranges = [(first, last) for gm in gemeenten for first, last, _ in POSTCODES[gm]]
            pieces = split_codes(ranges, plan.teams)
            wijken = [w for w in areas.wijken if w.gemeente_code in gemeenten]
            if plan.skills:
                names = [plan.label]
            elif plan.teams == 1:
                names = [f"Wijkteam {plan.label}"]
            else:
                largest = sorted(wijken, key=lambda w: (-(w.population or 0), w.code))
                picked = sorted(largest[: plan.teams], key=lambda w: w.code)
                names = [f"Wijkteam {plan.label} {_nickname(w, plan.label)}" for w in picked]
            for name, piece in zip(names, pieces, strict=True):
                skills = plan.skills or (
                    *GENERAL_SKILLS,
                    *self.rng.sample(EXTRA_SKILLS, self.rng.randint(1, 2)),
                )
                # A GP who finds the team must be able to reach it. Invented teams get an
                # address on the demo domain (never a real mailbox); no invented phone numbers,
                # which could belong to someone.
                mailbox = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                team = NursingTeam(
                    organisation_id=self.orgs[plan.provider].id, name=demo(name), is_demo=True,
                    email=f"{mailbox}@{EMAIL_DOMAIN}",
                    skills=[s for c in sorted(set(skills))
                            if (s := self.session.get(Skill, c)) is not None],
                )
                for first, last in piece:
                    team.service_areas.append(ServiceArea(postcode_from=first, postcode_to=last))
                # A team that covers whole gemeenten can also be found by wijk; a team that
                # shares a gemeente cannot, as the invented postcodes say nothing of wijken.
                if plan.teams == 1 and not plan.skills:
                    for w in wijken:
                        team.service_areas.append(ServiceArea(wijk_code=w.code))
                self.session.add(team)
                self.counts["teams"] += 1
        self.session.flush()

    def users(self, password: str) -> list[DemoUser]:
        users: list[DemoUser] = []
        for local, role, org_name, display in USERS:
            org = self.orgs[org_name]
            email = f"{local}@{EMAIL_DOMAIN}"
            create_user(self.session, email=email, name=display, password=password, role=role,
                        organisation_id=org.id)
            users.append(DemoUser(email=email, password=password, role=role,
                                  organisation=org.name))
        return users


def build_demo(
    session: Session,
    data_dir: Path | None,
    *,
    password: str | None = None,
    now: datetime | None = None,
) -> DemoResult:
    """Fill the database with the demo region; refuses when demo organisations already exist.

    Uses the real gemeenten and wijken from ``data_dir`` (the shared open-data folder) and
    falls back to a small built-in Zoetermeer region when the folder or its files are missing.
    """
    if session.scalar(select(Organisation.id).where(Organisation.is_demo.is_(True)).limit(1)):
        raise Conflict("demo region already built")
    ensure_reference_data(session)
    plan, fallback = _choose_plan(data_dir)
    _write_areas(session, plan.areas)
    builder = _Builder(session, plan)
    builder.organisations()
    builder.locations()
    builder.teams()
    users = builder.users(password or DEMO_PASSWORD)
    session.flush()
    seed_activity(session, now or utcnow())
    counts = {
        "gemeenten": len(plan.areas.gemeenten),
        "wijken": len(plan.areas.wijken),
        "organisations": len(builder.orgs),
        **builder.counts,
        "users": len(users),
    }
    if fallback is None:
        message = (
            f"Built demo region from {data_dir}: {counts['gemeenten']} gemeenten, "
            f"{counts['wijken']} wijken, {counts['locations']} locations, {counts['beds']} beds"
        )
    else:
        message = f"{fallback}: using the small built-in region"
    return DemoResult(users=users, used_real_data=fallback is None, message=message,
                      counts=counts)
