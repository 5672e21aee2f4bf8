"""Availability reports: validate, record as history, update the current bed state, notify boards.

Every channel (web form, API, CSV/Excel upload, scheduled pull) ends in :func:`submit_reports`,
so the rules are the same whichever way a provider reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.scoping import read_scope
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity import bulk_copy, states
from verkeerstoren.capacity.board_data import state_for_event
from verkeerstoren.capacity.models import AvailabilityReport, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.storage import events
from verkeerstoren.storage.base import is_postgresql, utcnow

Key = tuple[int, str]


@dataclass(frozen=True)
class _Target:
    organisation_id: int
    physical_registered: int


def _looked_up(
    rows: Sequence[ReportIn], found: list[tuple[int | None, int | None, int | None]],
) -> tuple[dict[Key, _Target], dict[Key, int]]:
    """The staged lookup (one entry per row, in order) as :func:`_targets` and holds."""
    targets: dict[Key, _Target] = {}
    holds: dict[Key, int] = {}
    for row, (org_id, physical, held) in zip(rows, found, strict=True):
        key = (row.unit_id, row.bed_type_code)
        if org_id is not None and physical is not None:
            targets[key] = _Target(org_id, physical)
        if held is not None:
            holds[key] = held
    return targets, holds


def _problems_for(
    index: int, row: ReportIn, target: _Target | None, scoped: int | None, held: int,
    today: date, physical: int,
) -> list[ValidationProblem]:
    problems: list[ValidationProblem] = []
    if target is None:
        problems.append(ValidationProblem(
            "unit_id", "unit {unit} has no beds of type {bed_type}", row=index,
            params={"unit": row.unit_id, "bed_type": row.bed_type_code}))
        return problems
    if scoped is not None and target.organisation_id != scoped:
        problems.append(ValidationProblem(
            "unit_id", "unit {unit} belongs to another organisation", row=index,
            params={"unit": row.unit_id}))
        return problems
    if row.staffed > physical:
        problems.append(ValidationProblem(
            "staffed", "staffed ({staffed}) exceeds physical beds ({physical})", row=index,
            params={"staffed": row.staffed, "physical": physical}))
    if row.occupied + row.blocked + held > row.staffed:
        problems.append(ValidationProblem(
            "occupied",
            "occupied + blocked + held ({occupied} + {blocked} + {held}) exceeds staffed "
            "({staffed}); 1 bed is held by a reservation" if held == 1 else
            "occupied + blocked + held ({occupied} + {blocked} + {held}) exceeds staffed "
            "({staffed}); {held} beds are held by reservations",
            row=index,
            params={"occupied": row.occupied, "blocked": row.blocked, "held": held,
                    "staffed": row.staffed},
        ))
    if row.expected_free_date is not None and row.expected_free_date < today:
        problems.append(ValidationProblem(
            "expected_free_date", "expected-free date lies in the past", row=index))
    return problems


def submit_reports(
    session: Session,
    actor: Actor,
    rows: Sequence[ReportIn],
    source: ReportSource,
    *,
    now: datetime | None = None,
    row_numbers: Sequence[int] | None = None,
) -> int:
    """Record reports all-or-nothing; returns how many were accepted.

    Raises ValidationErrors naming every bad row (``row_numbers`` gives each row's number in
    the uploaded file; otherwise rows count from 1) and writes nothing when any row is wrong.
    """
    now = now or utcnow()
    if now.tzinfo is None:  # the bulk writes bypass UTCDateTime's own check
        raise ValueError("naive datetime given for a report time")
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(rows) + 1))
    today = now.date()
    keys = {(r.unit_id, r.bed_type_code) for r in rows}
    if len(keys) != len(rows):
        seen: set[Key] = set()
        for index, row in zip(numbers, rows, strict=True):
            key = (row.unit_id, row.bed_type_code)
            if key in seen:
                raise ValidationErrors([ValidationProblem(
                    "unit_id", "the same unit and bed type appear twice", row=index)])
            seen.add(key)
    copied = len(rows) >= bulk_copy.MIN_ROWS and is_postgresql(session)
    if copied:
        bulk_copy.stage(session, rows)
        targets, holds = _looked_up(rows, bulk_copy.lookup(session))
    else:
        # The lookup bypasses the ORM; the ORM select it replaced flushed pending changes
        # first (a unit added in the same transaction, say), so this does (nothing pending:
        # no statement).
        session.flush()
        targets, holds = {}, {}
        for key, looked in states.lookup(session, keys, read_scope(session)).items():
            if looked.organisation_id is not None and looked.physical_beds is not None:
                targets[key] = _Target(looked.organisation_id, looked.physical_beds)
            if looked.held is not None:
                holds[key] = looked.held
    scoped = actor.scoped_organisation
    problems: list[ValidationProblem] = []
    reports: list[dict[str, Any]] = []
    for index, row in zip(numbers, rows, strict=True):
        key = (row.unit_id, row.bed_type_code)
        target = targets.get(key)
        physical = row.physical if row.physical is not None else (
            target.physical_registered if target else 0)
        found = _problems_for(index, row, target, scoped, holds.get(key, 0), today, physical)
        if found:
            problems.extend(found)
            continue
        if copied:
            continue  # the rows are in the staging table already
        assert target is not None
        reports.append({
            "organisation_id": target.organisation_id,
            "unit_id": row.unit_id,
            "bed_type_code": row.bed_type_code,
            "reported_at": now,
            "physical": physical,
            "staffed": row.staffed,
            "occupied": row.occupied,
            "blocked": row.blocked,
            "blocked_reason": row.blocked_reason,
            "expected_free_date": row.expected_free_date,
            "remark": row.remark,
            "source": source,
            "reported_by": actor.label[:254],
        })
    if problems:
        raise ValidationErrors(problems)
    if copied:
        first, last = bulk_copy.write(session, now=now, source=source.value,
                                      reported_by=actor.label[:254], expected=len(rows))
        states.expire_loaded(session, keys)
    else:
        first, last = states.write_reports(session, reports, holds.keys())
    audit.append(session, actor, action="report", entity="availability_report",
                 entity_id=f"{first}..{last}" if len(rows) > 1 else first,
                 detail={"rows": len(rows), "source": source.value})
    if len(rows) <= 50:
        changed = [[r.unit_id, r.bed_type_code] for r in rows]
        # The new states ride along so that no process has to read them back for its open
        # boards (board_cache); a bulk copy's rows were not kept here, so it sends keys only.
        states_now = None if copied else {"states": [state_for_event(
            now, r["physical"], r["staffed"], r["occupied"], r["blocked"],
            holds.get((r["unit_id"], r["bed_type_code"]), 0), r["expected_free_date"],
            r["remark"]) for r in reports]}
        events.emit_sparing(session, "availability", states_now, keys=changed)
    else:
        events.emit(session, "availability", count=len(rows))
    return len(rows)


def history(
    session: Session, *, unit_id: int, bed_type_code: str | None = None, limit: int = 500
) -> list[AvailabilityReport]:
    """Reports of one unit, newest first."""
    stmt = (
        select(AvailabilityReport)
        .where(AvailabilityReport.unit_id == unit_id)
        .order_by(AvailabilityReport.reported_at.desc(), AvailabilityReport.id.desc())
        .limit(limit)
    )
    if bed_type_code:
        stmt = stmt.where(AvailabilityReport.bed_type_code == bed_type_code)
    return list(session.scalars(stmt))
