"""Demo activity on top of the registry: reports, placements, measurements.

Unlike the registry this depends on the moment the demo is built (freshness, holds and quarters
are relative to now), so it takes ``now`` explicitly.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy.orm import Session

from verkeerstoren.capacity.demo import seed_capacity_demo
from verkeerstoren.kpi.demo import seed_kpi_demo
from verkeerstoren.placement.demo import seed_placement_demo
from verkeerstoren.planning.demo import seed_planning_demo

SEED = 20241123


def seed_activity(session: Session, now: datetime) -> None:
    """Seed every capability's demo activity, in dependency order."""
    rng = random.Random(SEED)
    # First: 90 days of admissions and occupancy behind the bed planning, older than the
    # capacity demo's reports, so the board's current figures are the capacity demo's.
    seed_planning_demo(session, now)
    seed_capacity_demo(session, now, rng)
    seed_placement_demo(session, now, rng)
    # Monitoring last: its computed indicators read the placements and reports above.
    seed_kpi_demo(session, today=now.date())
