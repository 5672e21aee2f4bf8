"""Undo a provider's last report within a short window (issue 14): a typo in "occupied" is put
right in one tap instead of by typing the old figures back.

The undo is itself a report: the figures of the report before the undone one are recorded
again, at a new time, through ``service.submit_reports`` (so every check on a report applies,
beds held since included, and the history keeps both). It is allowed only for the user's own
report, within ``UNDO_SECONDS``, and only while no later report exists for the card: the bed
state is locked and must still carry the report being undone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.scoping import scoped_get
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity import service
from verkeerstoren.capacity.models import AvailabilityReport, BedState, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import Conflict, NotFound
from verkeerstoren.storage.base import utcnow

UNDO_SECONDS = 120
LATER = "a later report exists for this card; it can no longer be undone"
TOO_LATE = "a report can be undone within {minutes} minutes of saving it"
NOT_YOURS = "only the person who saved a report can undo it"
NOTHING_BEFORE = "there is no earlier report to go back to"


class NotUndone(Conflict):
    """The report stays; ``message`` and ``params`` say why (an English msgid)."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message.format(**params) if params else message)


def undo_report(session: Session, actor: Actor, report_id: int, *,
                now: datetime | None = None) -> AvailabilityReport:
    """Record again the report before ``report_id``; returns the report that was restored."""
    now = now or utcnow()
    report = scoped_get(session, AvailabilityReport, report_id, actor=actor)
    if report is None:
        raise NotFound("availability_report", report_id)
    # Locked, so no report can land between this check and the undo's own report.
    current = session.scalar(
        select(BedState.report_id)
        .where(BedState.unit_id == report.unit_id,
               BedState.bed_type_code == report.bed_type_code)
        .with_for_update())
    if current != report.id:
        raise NotUndone(LATER)
    if report.reported_by != actor.label[:254]:
        raise NotUndone(NOT_YOURS)
    if now - report.reported_at > timedelta(seconds=UNDO_SECONDS):
        raise NotUndone(TOO_LATE, minutes=UNDO_SECONDS // 60)
    previous = session.scalar(
        select(AvailabilityReport)
        .where(AvailabilityReport.unit_id == report.unit_id,
               AvailabilityReport.bed_type_code == report.bed_type_code,
               AvailabilityReport.id < report.id)
        .order_by(AvailabilityReport.id.desc()).limit(1))
    if previous is None:
        raise NotUndone(NOTHING_BEFORE)
    service.submit_reports(session, actor, [ReportIn(
        unit_id=previous.unit_id, bed_type_code=previous.bed_type_code,
        staffed=previous.staffed, occupied=previous.occupied, blocked=previous.blocked,
        blocked_reason=previous.blocked_reason, expected_free_date=previous.expected_free_date,
        remark=previous.remark)], ReportSource.WEB, now=now)
    audit.append(session, actor, action="undo", entity="availability_report",
                 entity_id=report.id, detail={"restored_report": previous.id})
    return previous
