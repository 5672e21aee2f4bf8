"""A past of placements for the options benchmark (issue 18 item 5).

``options_for()`` ranks by each organisation's acceptance rate over the last 90 days
(``placement.options.ACCEPTANCE_WINDOW``), read from the ``reservation`` table. Timed on an
empty table, that part costs nothing; a region that has worked for months has thousands of
decided reservations. This module writes such a past, invented but shaped like the work:

- ``requests`` closed placement requests, created evenly over the last ``days`` (120: a third
  of them older than the 90-day window, which the rates must leave out);
- each request holds beds one after another until a provider accepts, at most 3 times: a
  declined, expired or cancelled hold is followed by the next; a request whose 3 holds all
  failed is closed unplaced ("refused by providers"), the others placed;
- each organisation has its own willingness: the chance that it accepts a hold is drawn once,
  evenly between 0.30 and 0.80 (so the rates differ and really rank); a hold it does not accept
  is declined (55 %), expires unanswered (35 %) or is cancelled by the coordinator (10 %);
- the bed held is any registered unit × bed type, all equally likely (a large organisation,
  with more units, gets more holds).

With the default seed and 10,000 requests on the national bench registry this gives 16,421
reservations: 9,124 accepted (56 %), 4,060 declined (25 %), 2,539 expired (15 %), 698 cancelled
(4 %), 12,313 of them in the 90-day window; the counts are printed with the figures. Only the
tables the ranking reads are written (no status history, audit entries or notifications: bulk
inserts, as bench/registry.py does).
"""

from __future__ import annotations

import collections
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bench.registry import _fix_sequences, _insert, _table
from verkeerstoren.placement.matching import FINANCING
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    Reservation,
    ReservationStatus,
    UnplacedReason,
    Urgency,
)
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

MAX_HOLDS = 3
ACCEPT_BETWEEN = (0.30, 0.80)
# What becomes of a hold the provider does not accept.
NOT_ACCEPTED = ((ReservationStatus.DECLINED, 0.55), (ReservationStatus.EXPIRED, 0.35),
                (ReservationStatus.CANCELLED, 0.10))


@dataclass
class History:
    """What was written: requests, reservations by status, how many in the 90-day window."""

    requests: int
    by_status: dict[str, int]
    in_window: int

    def note(self) -> str:
        counts = ", ".join(f"{n:,} {status}" for status, n in sorted(self.by_status.items()))
        total = sum(self.by_status.values())
        return (f"reservation history: {self.requests:,} closed requests over 120 days, "
                f"{total:,} reservations ({counts}); {self.in_window:,} in the 90-day window "
                "(bench/reservation_history.py)")


def seed(db: Database, requests: int = 10_000, days: int = 120, rng_seed: int = 18) -> History:
    """Write the history into a database with a registry and no placement rows yet."""
    rng = random.Random(rng_seed)  # noqa: S311 - invented, reproducible benchmark data
    now = utcnow()
    with db.session() as session:
        keys = session.execute(
            select(UnitBedType.unit_id, UnitBedType.bed_type_code, CareUnit.organisation_id)
            .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
            .order_by(UnitBedType.unit_id, UnitBedType.bed_type_code)).all()
    willing: dict[int, float] = {}
    request_rows: list[dict[str, Any]] = []
    reservation_rows: list[dict[str, Any]] = []
    by_status: collections.Counter[str] = collections.Counter()
    in_window = 0
    for n in range(requests):
        created = now - timedelta(days=days) + timedelta(days=days) * (n + 0.5) / requests
        request_id = n + 1
        code = ""
        placed: tuple[int, str] | None = None
        at = created
        for _ in range(MAX_HOLDS):
            unit_id, code, org = keys[rng.randrange(len(keys))]
            chance = willing.setdefault(org, rng.uniform(*ACCEPT_BETWEEN))
            if rng.random() < chance:
                status = ReservationStatus.ACCEPTED
            else:
                status = rng.choices([s for s, _ in NOT_ACCEPTED],
                                     [w for _, w in NOT_ACCEPTED])[0]
            decided = at + timedelta(minutes=rng.randint(5, 120))
            reservation_rows.append({
                "request_id": request_id, "organisation_id": org, "unit_id": unit_id,
                "bed_type_code": code, "status": status, "held_until": at + timedelta(hours=2),
                "created_at": at, "created_by": "bench history", "decided_at": decided,
                "decided_by": "bench history", "expiry_warned": False})
            by_status[status.value] += 1
            in_window += at >= now - timedelta(days=90)
            at = decided + timedelta(minutes=rng.randint(1, 30))
            if status is ReservationStatus.ACCEPTED:
                placed = (unit_id, code)
                break
        request_rows.append({
            "id": request_id, "pseudonym": f"bench-hist-{n:06d}", "birth_year": 1940,
            "sex": "f", "postcode_area": 1000 + n % 9000, "referrer_organisation_id": keys[0][2],
            "referrer_name": "Dr. Bench", "bed_types": [code], "features": [],
            "preferred_gemeenten": [], "wanted_start": created.date(),
            "financing": sorted(FINANCING[code])[0], "urgency": Urgency.TODAY,
            "status": RequestStatus.PLACED if placed else RequestStatus.UNPLACED,
            "created_at": created, "closed_at": at,
            "placed_unit_id": placed[0] if placed else None,
            "placed_bed_type": placed[1] if placed else None,
            "unplaced_reason": None if placed else UnplacedReason.REFUSED_BY_PROVIDERS,
            "is_demo": True})
    _insert(db, _table(PlacementRequest), request_rows)
    _insert(db, _table(Reservation), reservation_rows)
    _fix_sequences(db, ["placement_request"])  # explicit ids above
    return History(requests, dict(by_status), in_window)
