"""A MeasureReport posted to ``/fhir/MeasureReport``: checked, then submitted through the
capacity service like every other channel (same rules, all or nothing, same audit)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity.models import BedState, ReportSource
from verkeerstoren.capacity.service import submit_reports
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.interop.fhir import intake
from verkeerstoren.interop.fhir.outcome import FhirProblem, Issue, from_errors
from verkeerstoren.storage.base import utcnow

CURRENT = timedelta(minutes=1)


def _not_older(session: Session, parsed: intake.Parsed) -> None:
    """A report older than the one on the board must not replace it (a delayed resend)."""
    for report, where in zip(parsed.reports, parsed.paths, strict=True):
        current = session.scalar(select(BedState.reported_at).where(
            BedState.unit_id == report.unit_id, BedState.bed_type_code == report.bed_type_code))
        # Compared to the second: SANER's date has no finer precision.
        if current is not None and current.replace(microsecond=0) > parsed.date:
            raise FhirProblem([Issue(
                "MeasureReport.date", f"the board has a newer report for {where} (of "
                f"{current.replace(microsecond=0).isoformat()}); nothing was saved",
                "conflict")], status=409)


def submit(session: Session, actor: Actor, body: Any, now: datetime | None = None) -> int:
    """Record the report's Beds groups; returns how many reports were accepted."""
    now = now or utcnow()
    parsed, units = intake.parse(session, body, now)
    scoped = actor.scoped_organisation
    if scoped is not None and any(u.organisation_id != scoped for u in units):
        raise FhirProblem([Issue("MeasureReport.subject", "this Location belongs to another "
                                 "organisation", "forbidden")], status=403)
    _not_older(session, parsed)
    # A report more than a minute old keeps its own time, so the board shows its true age;
    # a current one takes the arrival time (SANER's date has whole seconds only, and reports
    # of one unit within the same second must stay in the order they came).
    reported_at = parsed.date if now - parsed.date > CURRENT else now
    try:
        return submit_reports(session, actor, parsed.reports, ReportSource.FHIR,
                              now=reported_at)
    except (ValidationErrors, ValidationProblem) as exc:
        raise from_errors(exc, intake.problem_paths(parsed)) from None
