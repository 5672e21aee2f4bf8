"""Stale-report reminders: sent to providers with stale units, repeated only after the interval."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.notifications.conftest import org_of
from verkeerstoren.capacity.models import BedState
from verkeerstoren.notifications import reminders
from verkeerstoren.notifications.models import Notification
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow


def _reminded(session: Session, org_id: int) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).where(
        Notification.organisation_id == org_id, Notification.event == reminders.EVENT)))


def test_stale_providers_are_reminded_but_not_again_within_the_interval(
    session: Session, db: Database
) -> None:
    # A month from now every figure is stale, so every organisation with units is due.
    later = utcnow() + timedelta(days=30)
    provider = org_of(session, "provider")
    stale = reminders.stale_units(session, later)
    assert provider in stale

    first = reminders.remind_stale(db, later)
    assert first == len(stale)
    [note] = _reminded(session, provider)
    assert note.link == "/capacity/report"
    assert note.params is not None
    assert note.params["n"] == len(stale[provider])

    within = later + timedelta(hours=reminders.INTERVAL_HOURS) - timedelta(minutes=1)
    assert reminders.remind_stale(db, within) == 0
    assert len(_reminded(session, provider)) == 1

    after = later + timedelta(hours=reminders.INTERVAL_HOURS)
    assert reminders.remind_stale(db, after) == len(stale)
    assert len(_reminded(session, provider)) == 2


def test_a_provider_that_reported_in_time_is_not_reminded(session: Session, db: Database) -> None:
    now = utcnow()
    provider = org_of(session, "provider")
    units = select(UnitBedType.unit_id).join(CareUnit).where(CareUnit.organisation_id == provider)
    session.execute(update(BedState).where(BedState.unit_id.in_(units)).values(reported_at=now))
    session.flush()
    # A bed type never reported is stale by definition: give those a fresh (empty) report too.
    never = session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code).join(CareUnit)
        .outerjoin(BedState, (BedState.unit_id == UnitBedType.unit_id)
                   & (BedState.bed_type_code == UnitBedType.bed_type_code))
        .where(CareUnit.organisation_id == provider, BedState.unit_id.is_(None))).all()
    session.add_all(BedState(unit_id=u, bed_type_code=c, organisation_id=provider,
                             reported_at=now) for u, c in never)
    session.flush()
    assert provider not in reminders.stale_units(session, now + timedelta(minutes=5))
    reminders.remind_stale(db, now + timedelta(minutes=5))
    assert _reminded(session, provider) == []
