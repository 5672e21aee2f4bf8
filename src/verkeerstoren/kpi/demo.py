"""Demo monitoring data: the seeded goal tree, invented measurements, placements and projects.

Everything invented is flagged ``is_demo`` (measurements, simulated placement requests, actions,
projects); simulated availability history is reported by "demo" with a remark saying so. The
goal tree itself, its baselines and targets come from the region plans (see ``seeds``).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity.models import AvailabilityReport, ReportSource
from verkeerstoren.kpi import demo_data as data
from verkeerstoren.kpi import seeds, sources
from verkeerstoren.kpi.computing import recompute
from verkeerstoren.kpi.models import (
    ActionLine,
    ActionState,
    AreaKind,
    Dimension,
    Direction,
    FollowUpAction,
    Frequency,
    Goal,
    GoalLevel,
    Indicator,
    IndicatorKind,
    IndicatorTarget,
    Measurement,
    MeasurementSource,
    Nature,
    Phase,
    ProgressEntry,
    Project,
    RagStatus,
    Unit,
)
from verkeerstoren.kpi.periods import Period, last_complete_quarter, parse_period, quarters_back
from verkeerstoren.placement.models import (
    Financing,
    PlacementRequest,
    RequestStatus,
    UnplacedReason,
    Urgency,
)
from verkeerstoren.planning import demo as planning_demo
from verkeerstoren.registry.models import BedType, CareUnit, Gemeente, Organisation, UnitBedType

SEED = 2025
FIRST_QUARTER = "2022Q1"
DEMO_LABEL = "demo"
REPORT_QUARTERS = 6


def _goal_tree(session: Session) -> dict[str, Indicator]:
    lines = {}
    for order, (programme, name, description) in enumerate(seeds.ACTION_LINES):
        line = ActionLine(programme=programme, name=name, description=description,
                          sort_order=order)
        session.add(line)
        lines[name] = line
    session.flush()
    title, description = seeds.MAIN_GOAL
    main = Goal(level=GoalLevel.MAIN, title=title, description=description,
                source=f"{seeds.PROGRAMMAPLAN}; {seeds.JAARPLAN}")
    session.add(main)
    session.flush()
    indicators: dict[str, Indicator] = {}
    for g_order, seed in enumerate(seeds.GOALS):
        own_line = lines.get(seed.action_line or "")
        # The waiting-time goal is how the main goal is measured: its indicators hang on it.
        goal = main if seed.dimension == "access" else Goal(
            parent_id=main.id, level=GoalLevel.SUB, title=seed.title,
            dimension=Dimension(seed.dimension), target_group=seed.target_group,
            action_line_id=own_line.id if own_line else None, source=seed.source,
            sort_order=g_order)
        if goal is main:
            main.dimension = Dimension.ACCESS
            main.target_group = seed.target_group
            main.action_line_id = own_line.id if own_line else None
        session.add(goal)
        session.flush()
        for i_order, spec in enumerate(seed.indicators):
            indicator = Indicator(
                code=spec.code, goal_id=goal.id, name=spec.name, definition=spec.definition,
                kind=IndicatorKind(spec.kind),
                nature=Nature.QUALITATIVE if spec.qualitative else Nature.QUANTITATIVE,
                unit=Unit(spec.unit), direction=Direction(spec.direction),
                frequency=Frequency(spec.frequency), source=spec.source,
                responsible_name=spec.responsible or "Monitoringteam (nader te bepalen)",
                baseline_text=spec.baseline_text, baseline_value=spec.baseline_value,
                baseline_year=spec.baseline_year, tolerance=spec.tolerance,
                computed_key=spec.computed_key, sort_order=g_order * 100 + i_order,
                source_kind=(spec.binding[0] if spec.binding else
                             "operational" if spec.computed_key else None),
                source_params=(dict(spec.binding[1]) if spec.binding else
                               {"key": spec.computed_key} if spec.computed_key else None),
                targets=[IndicatorTarget(year=y, value=v, text=t,
                                         rule=seeds.TEXT_RULES.get(t or "") if v is None else None,
                                         reference=spec.reference if v is None else None)
                         for y, v, t in spec.targets],
            )
            session.add(indicator)
            indicators[spec.code] = indicator
    session.flush()
    return indicators


def _programme_region(session: Session) -> None:
    """The goal tree is Zoetermeer 2025's: judge it on Zoetermeer's region (Haaglanden), not on
    every region the tower holds."""
    gemeente = session.get(Gemeente, seeds.ZOETERMEER_GM)
    main = session.scalar(select(Goal).where(Goal.parent_id.is_(None)))
    if gemeente is not None and main is not None:
        main.region_id = gemeente.region_id
        session.flush()


def _at(day: date, hours: float) -> datetime:
    return datetime.combine(day, time(8), tzinfo=UTC) + timedelta(hours=hours)


def _placements(session: Session, quarters: list[Period], rng: random.Random) -> int:
    """Simulated closed requests whose speed improves after the multifunctional beds start."""
    units = session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .where(CareUnit.is_demo.is_(True)).order_by(UnitBedType.unit_id)).all()
    referrer = session.scalar(select(Organisation.id).where(Organisation.is_demo.is_(True))
                              .order_by(Organisation.id))
    if not units or referrer is None:
        return 0
    gemeente = "GM0637" if session.get(Gemeente, "GM0637") is not None else None
    reasons = list(UnplacedReason)
    rows: list[dict[str, object]] = []
    for index, quarter in enumerate(quarters):
        speed = data.placement_speed(quarter.label)
        for n in range(data.requests_per_quarter(index)):
            day = quarter.start + timedelta(days=rng.randrange((quarter.end - quarter.start).days))
            unit_id, bed_type = units[rng.randrange(len(units))]
            created = _at(day, rng.uniform(0, 9))
            unplaced = rng.random() < speed.unplaced_share
            hours = rng.lognormvariate(speed.log_mean, 0.8)
            closed = created + timedelta(hours=hours)
            if closed.date() > quarter.end:
                closed = _at(quarter.end, 10)
            discharged = day - timedelta(days=rng.randint(0, 3)) if rng.random() < 0.5 else None
            rows.append({
                "pseudonym": f"demo-{quarter.label}-{n:03d}", "birth_year": rng.randint(1928, 1960),
                "sex": rng.choice("fm"), "postcode_area": rng.randint(2711, 2729),
                "care_needs": "Gesimuleerde aanvraag (demo)", "referrer_organisation_id": referrer,
                "referrer_name": "Demo verwijzer", "bed_types": [bed_type], "features": [],
                "preferred_gemeenten": [], "wanted_start": day, "financing": Financing.ZVW,
                "urgency": Urgency.TODAY, "medically_discharged_on": discharged,
                "status": RequestStatus.UNPLACED if unplaced else RequestStatus.PLACED,
                "created_at": created, "closed_at": closed,
                "placed_unit_id": None if unplaced else unit_id,
                "placed_bed_type": None if unplaced else bed_type,
                "admission_date": None if unplaced else closed.date(),
                "unplaced_reason": rng.choice(reasons) if unplaced else None,
                "gemeente_code": gemeente, "is_demo": True,
            })
    session.execute(insert(PlacementRequest), rows)
    return len(rows)


def _availability(session: Session, quarters: list[Period], rng: random.Random) -> int:
    """Simulated report history for a few demo units: mostly on time, now and then late."""
    combos = session.execute(
        select(CareUnit.organisation_id, UnitBedType.unit_id, UnitBedType.bed_type_code,
               UnitBedType.physical_beds, BedType.max_report_age_hours)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(BedType, BedType.code == UnitBedType.bed_type_code)
        # Not the short-stay beds: planning.demo gives those one coherent occupancy history.
        .where(CareUnit.is_demo.is_(True), UnitBedType.physical_beds > 0,
               UnitBedType.bed_type_code.not_in(list(planning_demo.MEAN_STAY)))
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code).limit(8)).all()
    rows: list[dict[str, object]] = []
    start = _at(quarters[-REPORT_QUARTERS].start, 0)
    end = _at(quarters[-1].end, 14)
    for org_id, unit_id, bed_type, beds, max_age in combos:
        at = start + timedelta(hours=rng.uniform(0, 6))
        late_share = 0.03 + 0.07 * (unit_id % 3 == 0)
        while at < end:
            staffed = beds if rng.random() > 0.15 else max(1, beds - 1)
            occupied = sum(rng.random() < 0.87 for _ in range(staffed))
            rows.append({"organisation_id": org_id, "unit_id": unit_id,
                         "bed_type_code": bed_type, "reported_at": at, "physical": beds,
                         "staffed": staffed, "occupied": occupied, "blocked": 0,
                         "remark": "Gesimuleerde historie (demo)", "source": ReportSource.API,
                         "reported_by": DEMO_LABEL})
            factor = rng.uniform(1.2, 2.0) if rng.random() < late_share else rng.uniform(0.4, 0.9)
            at += timedelta(hours=max_age * factor)
    if rows:
        session.execute(insert(AvailabilityReport), rows)
    return len(rows)


def _measurements(session: Session, indicators: dict[str, Indicator], today: date) -> None:
    for code, series in data.MANUAL_SERIES.items():
        indicator = indicators[code]
        if indicator.source_kind is not None:
            continue  # bound to a source: real figures only (kpi/sources.py), never invented
        for label, value, narrative in series:
            period = parse_period(label)
            if period.start > today:
                continue
            session.add(Measurement(
                indicator_id=indicator.id, period=period.label, period_start=period.start,
                period_end=period.end, area_kind=AreaKind.REGION, area_code="", value=value,
                narrative=narrative, source=MeasurementSource.MANUAL,
                note="Verzonnen demowaarde", is_demo=True, recorded_by=DEMO_LABEL))
    session.flush()


def _actions(session: Session, indicators: dict[str, Indicator], today: date) -> None:
    for code, what, owner, due_days, state in data.ACTIONS:
        session.add(FollowUpAction(
            indicator_id=indicators[code].id, what=what, owner=owner,
            due_date=today + timedelta(days=due_days), state=ActionState(state),
            closed_on=today - timedelta(days=10) if state == "done" else None, is_demo=True,
            period=last_complete_quarter(today).label))


def _projects(session: Session, indicators: dict[str, Indicator], last: Period) -> None:
    lines = {line.name: line for line in session.scalars(select(ActionLine))}
    orgs = {o.name.removesuffix(" (demo)"): o for o in session.scalars(
        select(Organisation).where(Organisation.is_demo.is_(True)))}
    for spec in data.PROJECTS:
        owner = orgs.get(spec.owner)
        project = Project(
            action_line_id=lines[spec.line].id, name=spec.name, description=spec.description,
            owner_organisation_id=owner.id if owner else None, owner_name=spec.owner,
            phase=Phase(spec.phase), start_date=spec.start, end_date=spec.end,
            budget_eur=spec.budget, is_demo=True,
            indicators=[indicators[c] for c in spec.indicators])
        session.add(project)
        session.flush()
        quarters = [q for q in quarters_back(last, 4) if spec.start is None or
                    q.end >= spec.start]
        for i, quarter in enumerate(quarters):
            entry = data.progress_entry(spec, i, len(quarters))
            session.add(ProgressEntry(
                project_id=project.id, quarter=quarter.label, status=RagStatus(entry[0]),
                phase=Phase(entry[1]), progress=entry[2], risks=entry[3],
                decisions_needed=entry[4], recorded_by=DEMO_LABEL))
    session.flush()


def seed_kpi_demo(session: Session, *, today: date) -> None:
    """Seed the goal tree from the region plans and invented demo monitoring data."""
    if session.scalar(select(Goal.id).limit(1)) is not None:
        return
    rng = random.Random(SEED)
    indicators = _goal_tree(session)
    _programme_region(session)
    last = last_complete_quarter(today)
    first = parse_period(FIRST_QUARTER)
    quarters = [q for q in quarters_back(last, 40) if q.start >= first.start]
    _placements(session, quarters, rng)
    _availability(session, quarters, rng)
    _measurements(session, indicators, today)
    recompute(session, system_actor("demo builder"), quarters, is_demo=True)
    _actions(session, indicators, today)
    _projects(session, indicators, last)
    # The open data may not be loaded yet (the CLI loads it after the demo and refreshes).
    sources.refresh(session, system_actor("demo builder"), today=today)
    session.flush()
