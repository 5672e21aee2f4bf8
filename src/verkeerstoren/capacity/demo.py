"""Demo activity for capacity: a few days of plausible availability reports and team intake."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.capacity import intake, service
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import IntakeIn, ReportIn
from verkeerstoren.registry.models import CareUnit, NursingTeam, UnitBedType

# Hours before "now" at which every unit reported; the last one sets today's freshness.
HISTORY_HOURS = (72, 54, 30, 20, 8)


def seed_capacity_demo(session: Session, now: datetime, rng: random.Random) -> None:
    """Report availability for every demo unit over the last three days; a few go stale."""
    actor = system_actor("demo")
    pairs = session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .where(CareUnit.is_demo.is_(True))
        .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)
    ).all()
    # About one in eight units stops reporting after the second day: the board shows them stale.
    silent = {unit_id for unit_id, _, _ in pairs if rng.random() < 0.125}
    for hours in HISTORY_HOURS:
        at = now - timedelta(hours=hours, minutes=rng.randint(0, 50))
        rows = []
        for unit_id, code, physical in pairs:
            if unit_id in silent and hours < 40:
                continue
            staffed = max(0, physical - rng.choice((0, 0, 0, 1, 2)))
            blocked = rng.choice((0, 0, 0, 0, 1)) if staffed > 2 else 0
            occupied = max(0, staffed - blocked - rng.choice((0, 0, 1, 1, 2, 3)))
            rows.append(ReportIn(
                unit_id=unit_id, bed_type_code=code, physical=physical, staffed=staffed,
                occupied=occupied, blocked=blocked,
                blocked_reason="Isolatie (demo)" if blocked else None,
            ))
        if rows:
            service.submit_reports(session, actor, rows, ReportSource.API, now=at)
    teams = session.scalars(
        select(NursingTeam).where(NursingTeam.is_demo.is_(True)).order_by(NursingTeam.id)
    ).all()
    for team in teams:
        accepting = rng.random() < 0.7
        start = (now + timedelta(days=rng.choice((0, 0, 1, 3, 7, 14)))).date()
        intake.report_intake(
            session, actor,
            IntakeIn(team_id=team.id, accepting=accepting,
                     available_from=start if accepting else None,
                     capacity_note=None if accepting else "Wachtlijst (demo)"),
            now=now - timedelta(hours=rng.randint(1, 30)),
        )
