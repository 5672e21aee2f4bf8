"""The demo's simulated short-stay history is enough to plan beds from: the estimates that the
planning page makes from it (arrivals counted from requests, stay by Little's law on the
reported occupancy) come back close to the stays the simulation drew, in every region."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verkeerstoren.placement.models import PlacementRequest, RequestStatus
from verkeerstoren.planning import observed
from verkeerstoren.planning.demo import DAYS, MEAN_STAY
from verkeerstoren.region_time import today
from verkeerstoren.registry.models import Region


def test_littles_law_on_the_demo_history_gives_back_the_simulated_stay(
        session: Session) -> None:
    regions = list(session.scalars(select(Region).order_by(Region.id)))
    assert regions
    pooled = [0.0] * 7
    for region in regions:
        for bed_type, stay in MEAN_STAY.items():
            seen = observed.observe(session, bed_type, observed.Area(region_id=region.id),
                                    end=today(), days=DAYS)
            # Enough arrivals for a weekday pattern, and a stay within sampling noise of the
            # simulation's mean (90 days of a few dozen beds: roughly ±30 %).
            assert seen.requests >= observed.MIN_ARRIVALS_FOR_PATTERN, (region.name, bed_type)
            assert seen.weekday_pattern is not None
            assert seen.mean_stay_days is not None
            assert 0.65 * stay <= seen.mean_stay_days <= 1.35 * stay, (
                region.name, bed_type, seen.mean_stay_days)
            pooled = [p + w * seen.requests for p, w in zip(pooled, seen.weekday_pattern,
                                                            strict=True)]
    # Weekdays bring more referrals than the weekend (pooled: one ward's 90 days are noisy).
    assert sum(pooled[:5]) / 5 > 1.2 * sum(pooled[5:]) / 2


def test_full_wards_leave_patients_unplaced_with_their_reason(session: Session) -> None:
    unplaced = session.scalar(select(func.count()).select_from(PlacementRequest).where(
        PlacementRequest.status == RequestStatus.UNPLACED,
        PlacementRequest.care_needs == "Gesimuleerde opname (demo)",
        PlacementRequest.unplaced_reason.is_not(None)))
    placed = session.scalar(select(func.count()).select_from(PlacementRequest).where(
        PlacementRequest.status == RequestStatus.PLACED,
        PlacementRequest.care_needs == "Gesimuleerde opname (demo)"))
    assert placed
    assert unplaced
    # At 85 % mean occupancy a few per cent find every bed taken (Erlang loss), not half.
    assert 0.005 < unplaced / (placed + unplaced) < 0.2
