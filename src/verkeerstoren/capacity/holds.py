"""Holding, releasing and filling beds: single compare-and-set UPDATEs on the bed state.

Each function is one statement whose WHERE clause is the rule, so two transactions can never
both take the last bed: the second UPDATE waits for the first one's row lock (PostgreSQL) or
for its write lock (SQLite, BEGIN IMMEDIATE), then re-evaluates the WHERE on the new row and
matches nothing. The table's CHECK constraint (occupied + blocked + held <= staffed) is the
last line of defence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, ColumnElement, Integer, String, bindparam, update
from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import BedState
from verkeerstoren.storage import events

_t = BedState.__table__.c


def _key(unit_id: int | BindParameter[int],
         bed_type_code: str | BindParameter[str]) -> ColumnElement[bool]:
    return (_t.unit_id == unit_id) & (_t.bed_type_code == bed_type_code)


# Built once, with the values as parameters: a statement built per call costs more CPU (its
# construction and cache key) than SQLite takes to run it.
_HOLD = (
    update(BedState.__table__)  # type: ignore[arg-type]
    .where(_key(bindparam("unit", type_=Integer()), bindparam("code", type_=String())))
    .where(_t.occupied + _t.blocked + _t.held + 1 <= _t.staffed)
    .where(_t.reported_at >= bindparam("reported_after"))
    .values(held=_t.held + 1, version=_t.version + 1)
)


def hold_bed(session: Session, unit_id: int, bed_type_code: str,
             reported_after: datetime) -> bool:
    """Take one free bed on hold; False when none is free or the report is too old."""
    result = session.connection().execute(_HOLD, {
        "unit": unit_id, "code": bed_type_code, "reported_after": reported_after})
    taken = result.rowcount == 1
    if taken:
        events.emit(session, "availability", keys=[[unit_id, bed_type_code]])
    return taken


def release_hold(session: Session, unit_id: int, bed_type_code: str) -> None:
    """Give a held bed back (declined, expired or cancelled)."""
    _change(session, unit_id, bed_type_code, held=_t.held - 1, guard=_t.held > 0)


def fill_held_bed(session: Session, unit_id: int, bed_type_code: str) -> None:
    """The held bed becomes occupied (the patient is placed); the sum stays the same."""
    _change(session, unit_id, bed_type_code, held=_t.held - 1, occupied=_t.occupied + 1,
            guard=_t.held > 0)


def _change(session: Session, unit_id: int, bed_type_code: str, *, guard: ColumnElement[bool],
            **values: object) -> None:
    result = session.connection().execute(
        update(BedState.__table__)  # type: ignore[arg-type]
        .where(_key(unit_id, bed_type_code))
        .where(guard)
        .values(version=_t.version + 1, **values)
    )
    if result.rowcount != 1:
        # Holds and bed state move together in one transaction; a miss means they diverged.
        raise RuntimeError(f"bed state {unit_id}/{bed_type_code} has no hold to release")
    events.emit(session, "availability", keys=[[unit_id, bed_type_code]])
