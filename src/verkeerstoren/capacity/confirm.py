"""Confirming reports unchanged: the last stored report recorded again, as it is, at a new time.

"Unchanged" on the report form used to save whatever the card held, so a provider who typed a
new figure and then tapped "Unchanged" stored the typed figure as if confirmed. Here the
server decides what "unchanged" means: the figures come from the stored bed state (which holds
its last report's figures), never from the request. Each card also says which report it
showed; when the state has moved on since (someone else reported in between), confirming would
put this user's name under figures they never saw, so it is refused and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity import service
from verkeerstoren.capacity.models import BedState, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import DomainError, ValidationErrors, ValidationProblem
from verkeerstoren.registry.models import CareUnit

Key = tuple[int, str]

NO_REPORT = "there is no report to confirm yet; save the figures instead"
CHANGED = ("this report was changed since the page was opened; check the figures, then save "
           "them or confirm them again")
NOT_SCOPED = "confirming all reports at once is only for a provider's own organisation"


class NotConfirmed(DomainError):
    """Nothing was confirmed; the problems per unit × bed type. ``changed`` tells a report that
    moved on since the page was opened (a conflict) from one that cannot be confirmed as is."""

    def __init__(self, problems: dict[Key, list[ValidationProblem]]) -> None:
        self.problems = problems
        self.changed = any(p.message == CHANGED for ps in problems.values() for p in ps)
        super().__init__("; ".join(f"{k[0]}/{k[1]}: {p.text}"
                                   for k, ps in problems.items() for p in ps))


def confirm_unchanged(session: Session, actor: Actor, shown: Mapping[Key, int | None], *,
                      now: datetime | None = None) -> int:
    """Record the last stored report of every key in ``shown`` again, all or nothing.

    ``shown`` maps each unit × bed type to the id of the report the user saw (None: saw none).
    The figures are the stored ones; the usual checks still apply (beds held since, a
    "free from" date that has passed), since a re-confirmed report is a new report.
    Raises :class:`NotConfirmed` and writes nothing when any key cannot be confirmed.
    """
    keys = sorted(shown)
    if not keys:
        return 0
    # Locked in key order (as states.lookup), so the report read here is the one that
    # is copied: no other report can land in between.
    states = {
        (s.unit_id, s.bed_type_code): s
        for s in session.execute(
            select(BedState.unit_id, BedState.bed_type_code, BedState.report_id,
                   BedState.physical, BedState.staffed, BedState.occupied, BedState.blocked,
                   BedState.blocked_reason, BedState.expected_free_date, BedState.remark)
            .where(tuple_(BedState.unit_id, BedState.bed_type_code).in_(keys))
            .order_by(BedState.unit_id, BedState.bed_type_code)
            .with_for_update()
        )
    }
    problems: dict[Key, list[ValidationProblem]] = {}
    rows: list[ReportIn] = []
    for key in keys:
        state = states.get(key)
        if state is None or state.report_id is None:
            problems[key] = [ValidationProblem("unit_id", NO_REPORT)]
        elif state.report_id != shown[key]:
            problems[key] = [ValidationProblem("report_id", CHANGED)]
        else:
            rows.append(ReportIn(
                unit_id=key[0], bed_type_code=key[1], physical=state.physical,
                staffed=state.staffed, occupied=state.occupied, blocked=state.blocked,
                blocked_reason=state.blocked_reason,
                expected_free_date=state.expected_free_date, remark=state.remark))
    if problems:
        raise NotConfirmed(problems)
    try:
        return service.submit_reports(session, actor, rows, ReportSource.WEB, now=now)
    except ValidationErrors as exc:
        # submit_reports numbers the rows from 1 in the order given.
        for problem in exc.problems:
            key = keys[(problem.row or 1) - 1]
            problems.setdefault(key, []).append(
                ValidationProblem(problem.field, problem.message, params=problem.params))
        raise NotConfirmed(problems) from exc


def confirm_all_unchanged(session: Session, actor: Actor, shown: Mapping[Key, int], *,
                          now: datetime | None = None) -> int:
    """Confirm unchanged every unit × bed type of the actor's organisation that has a stored
    report, in one transaction; ``shown`` is what the user's page showed (key → report id).

    A report the page did not show (or showed in an older version) refuses the whole lot:
    the user confirms what they saw.
    """
    org_id = actor.scoped_organisation
    if org_id is None:
        raise ValidationErrors([ValidationProblem("organisation", NOT_SCOPED)])
    stored = session.execute(
        select(BedState.unit_id, BedState.bed_type_code)
        .join(CareUnit, CareUnit.id == BedState.unit_id)
        .where(BedState.organisation_id == org_id, BedState.report_id.is_not(None),
               CareUnit.active.is_(True))
    )
    return confirm_unchanged(session, actor, {(u, c): shown.get((u, c)) for u, c in stored},
                             now=now)
