"""Reminding providers whose availability figures are stale, until they report again.

An organisation is reminded at most once per interval: the time of its latest ``report.stale``
notification is the memory, so no extra table and no state in the worker is needed, and several
app processes agree on it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.freshness import is_stale
from verkeerstoren.capacity.models import BedState
from verkeerstoren.notifications.models import Notification
from verkeerstoren.notifications.service import MESSAGES, notify
from verkeerstoren.registry.models import BedType, CareUnit, UnitBedType
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import is_postgresql

log = logging.getLogger(__name__)

EVENT = "report.stale"
INTERVAL_HOURS = 4
MAX_NAMED_UNITS = 5
# Arbitrary constant key of the PostgreSQL advisory lock that lets one process remind at a time.
ADVISORY_LOCK_KEY = 7_347_001


def stale_units(session: Session, now: datetime) -> dict[int, list[str]]:
    """Organisation id → names of its active units with at least one stale bed type."""
    shortest = session.scalar(select(func.min(BedType.max_report_age_hours))) or 1
    # Cheap pre-filter in SQL (older than the shortest allowed age), exact check in Python.
    stmt = (
        select(CareUnit.organisation_id, CareUnit.id, CareUnit.name,
               BedType.max_report_age_hours, BedState.reported_at)
        .select_from(UnitBedType)
        .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
        .join(BedType, BedType.code == UnitBedType.bed_type_code)
        .outerjoin(BedState, (BedState.unit_id == UnitBedType.unit_id)
                   & (BedState.bed_type_code == UnitBedType.bed_type_code))
        .where(CareUnit.active.is_(True),
               or_(BedState.reported_at.is_(None),
                   BedState.reported_at < now - timedelta(hours=shortest)))
        .order_by(CareUnit.organisation_id, CareUnit.name)
    )
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for org_id, unit_id, name, max_age, reported_at in session.execute(stmt):
        if is_stale(reported_at, max_age, now):
            found[org_id][unit_id] = name
    return {org: list(units.values()) for org, units in found.items()}


def last_reminders(session: Session) -> dict[int, datetime]:
    """Organisation id → when it was last reminded."""
    rows = session.execute(
        select(Notification.organisation_id, func.max(Notification.created_at))
        .where(Notification.event == EVENT).group_by(Notification.organisation_id))
    return {org: at for org, at in rows if at is not None}


def _unit_list(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMED_UNITS])
    more = len(names) - MAX_NAMED_UNITS
    return f"{shown} (+{more})" if more > 0 else shown


def remind_in(session: Session, now: datetime, *, interval_hours: int = INTERVAL_HOURS) -> int:
    """Notify each organisation with stale units not reminded in the last interval; returns how
    many organisations were reminded."""
    if is_postgresql(session) and not session.scalar(
            select(func.pg_try_advisory_xact_lock(ADVISORY_LOCK_KEY))):
        return 0  # another process is reminding right now
    previous = last_reminders(session)
    title, body = MESSAGES[EVENT]
    reminded = 0
    for org_id, names in stale_units(session, now).items():
        last = previous.get(org_id)
        if last is not None and now - last < timedelta(hours=interval_hours):
            continue
        notify(
            session, organisation_id=org_id, event=EVENT, title=title, body=body,
            link="/capacity/report",
            payload={"n": len(names), "units": _unit_list(names), "unit_names": names}, now=now,
        )
        reminded += 1
    session.flush()
    return reminded


def remind_stale(db: Database, now: datetime, *, interval_hours: int = INTERVAL_HOURS) -> int:
    """Remind providers with stale reports (one transaction); returns organisations reminded."""
    with db.session() as session:
        reminded = remind_in(session, now, interval_hours=interval_hours)
    if reminded:
        log.info("reminded %s organisations of stale availability reports", reminded)
    return reminded
