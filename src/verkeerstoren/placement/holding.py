"""The first step of a reservation: claim the open request and hold one bed for it.

Two paths with the same outcome, rows and audit entries (``tests/placement/test_reserve_cost``
runs both on PostgreSQL):

* **PostgreSQL**: one statement. Data-modifying CTEs claim the request (compare-and-set on its
  status, and only for a requested bed type), take the bed (compare-and-set on the bed state,
  report age against the bed type's limit) and insert the reservation and its status change;
  the request, the unit and the bed type come back as ORM objects. Each UPDATE waits for a
  concurrent one on the same row and re-evaluates its WHERE on the new row, as the separate
  statements of the other path do, so no bed is ever held twice.
* **Any database** (SQLite): the same steps as separate statements.

On a refusal (no such request, not open, bed type not requested, no such unit, no free bed)
nothing is left changed and ``explain`` finds out which, on the slow path only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Table,
    bindparam,
    column,
    insert,
    select,
    text,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import KeyedColumnElement

from verkeerstoren.access.actor import Actor
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity import holds
from verkeerstoren.errors import Conflict, NotFound
from verkeerstoren.placement import requests, visibility
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    Reservation,
    ReservationStatus,
    StatusChange,
)
from verkeerstoren.registry.models import BedType, CareUnit
from verkeerstoren.storage import events
from verkeerstoren.storage.base import UTCDateTime, is_postgresql


class NoFreeBed(Conflict):
    """The unit has no free, freshly reported bed of this type (any more)."""


NOT_OPEN = "the request already holds a bed or is closed"
NOT_REQUESTED = "this bed type was not requested"
NO_FREE_BED = ("no free bed of this type in this unit (any more), or its report is out of "
               "date")


@dataclass(frozen=True, slots=True)
class Held:
    """What the rest of ``reserve()`` needs: the claimed request, the new hold and its names."""

    request: PlacementRequest
    reservation: Reservation
    unit: CareUnit
    bed_type: BedType

    @property
    def note(self) -> str:
        """The status history's note of the hold."""
        return f"{self.unit.name} / {self.bed_type.name}"


def claim_and_hold(session: Session, actor: Actor, request_id: int, unit_id: int,
                   bed_type_code: str, *, now: datetime, minutes: int) -> Held:
    """Claim the open request and hold a bed of this type in this unit for ``minutes``."""
    held_until = now + timedelta(minutes=minutes)
    if is_postgresql(session):
        return _one_statement(session, actor, request_id, unit_id, bed_type_code, now,
                              held_until)
    return _step_by_step(session, actor, request_id, unit_id, bed_type_code, now, held_until)


def explain(session: Session, actor: Actor, request_id: int, unit_id: int,
            bed_type_code: str) -> Conflict | NotFound:
    """Why a claim-and-hold changed nothing, in the order the checks have always had."""
    request = requests.get_request(session, actor, request_id, purpose="reserve")
    if request.status is not RequestStatus.OPEN:
        return Conflict(NOT_OPEN)
    if bed_type_code not in request.bed_types:
        return Conflict(NOT_REQUESTED)
    if session.get(CareUnit, unit_id) is None or session.get(BedType, bed_type_code) is None:
        return NotFound("care_unit", unit_id)
    return NoFreeBed(NO_FREE_BED)


def _new_reservation(request_id: int, organisation_id: int, unit_id: int, bed_type_code: str,
                     now: datetime, held_until: datetime, actor: Actor) -> Reservation:
    return Reservation(
        request_id=request_id, organisation_id=organisation_id, unit_id=unit_id,
        bed_type_code=bed_type_code, status=ReservationStatus.HELD, held_until=held_until,
        created_at=now, created_by=actor.label[:254], decided_at=None, decided_by=None,
        reason=None, expiry_warned=False)


def _status_change(request_id: int, reservation_id: int, now: datetime, actor: Actor,
                   note: str) -> StatusChange:
    return StatusChange(request_id=request_id, reservation_id=reservation_id, at=now,
                        actor_label=actor.label[:254], from_status=RequestStatus.OPEN.value,
                        to_status=RequestStatus.RESERVED.value, note=note)


# ---- any database ------------------------------------------------------------------------

def _step_by_step(session: Session, actor: Actor, request_id: int, unit_id: int,
                  bed_type_code: str, now: datetime, held_until: datetime) -> Held:
    # The claim returns the request, the unit and the bed type (no separate read); a refusal
    # is explained afterwards.
    session.flush()  # as the ORM's autoflush would: the claim must see pending changes
    row = session.connection().execute(_CLAIM_AND_READ, {
        "request_id": request_id, "unit_id": unit_id, "code": bed_type_code,
        "referrer": None if visibility.sees_all(actor) else actor.organisation_id,
    }).one_or_none()
    if row is None:  # the claim was refused: nothing changed
        raise explain(session, actor, request_id, unit_id, bed_type_code)
    claimed, unit, bed_type = _adopt(session, row)
    if (bed_type_code not in claimed.bed_types or unit is None or bed_type is None
            or not holds.hold_bed(session, unit_id, bed_type_code,
                                  now - timedelta(hours=bed_type.max_report_age_hours))):
        _undo_claim(session, claimed)
        raise explain(session, actor, request_id, unit_id, bed_type_code)
    _log_claim(session, actor, claimed)
    reservation = _new_reservation(request_id, unit.organisation_id, unit_id, bed_type_code,
                                   now, held_until, actor)
    reservation.id = _insert(session, reservation)
    held = Held(claimed, reservation, unit, bed_type)
    change = _status_change(request_id, reservation.id, now, actor, held.note)
    change.id = _insert(session, change)
    _attach(session, actor, held, change)
    return held


def _insert(session: Session, row: Reservation | StatusChange) -> int:
    """Insert a new row without the ORM's flush (whose unit of work costs more CPU than the
    statement); ``_attach`` then logs it and puts it in the session. Returns its id."""
    table: Table = row.__table__  # type: ignore[assignment]
    values = {c.name: getattr(row, c.name) for c in table.c if c.name != "id"}
    new_id: int = session.connection().execute(_INSERTS[table.name], values).scalar_one()
    return new_id


# Built once: the values come as parameters, so the compiled statement is cached.
_INSERTS = {model.__tablename__: insert(model).returning(model.__table__.c.id)
            for model in (Reservation, StatusChange)}


def _visible(actor: Actor) -> list[ColumnElement[bool]]:
    """``requests.visible`` as WHERE criteria: referrers reserve only their own requests."""
    if not visibility.sees_all(actor):
        return [PlacementRequest.referrer_organisation_id == actor.organisation_id]
    return []


_REQUEST_COLUMNS = list(PlacementRequest.__table__.c)
_UNIT_COLUMNS = list(CareUnit.__table__.c)
_BED_TYPE_COLUMNS = list(BedType.__table__.c)


def _read(table: str, columns: list[KeyedColumnElement[Any]], key: str, prefix: str) -> str:
    return ", ".join(f"(SELECT {c.name} FROM {table} WHERE {key}) AS {prefix}{c.name}"  # noqa: S608
                     for c in columns)


# The claim (compare-and-set on the request's status) whose RETURNING also reads the unit and
# the bed type, one scalar subquery per column: SQLite's RETURNING may name no other table,
# and a subquery gives one value. Portable (``test_reserve_cost`` runs it on PostgreSQL too).
# A unit or bed type that does not exist comes back as None and the claim is undone.
_CLAIM_SQL = f"""
UPDATE placement_request SET status = 'reserved'
WHERE id = :request_id AND status = 'open'
  AND (CAST(:referrer AS integer) IS NULL OR referrer_organisation_id = :referrer)
RETURNING {", ".join(f"placement_request.{c.name}" for c in _REQUEST_COLUMNS)},
  {_read("care_unit", _UNIT_COLUMNS, "id = :unit_id", "u_")},
  {_read("bed_type", _BED_TYPE_COLUMNS, "code = :code", "bt_")}
"""  # noqa: S608 - only the models' own table and column names are formatted in
# Built once. Executed by the connection, not the ORM: turning the row into the three objects
# by hand (``_adopt``) costs a fraction of the ORM's loading, which sets up its row
# processors anew for every statement (measured: about a tenth of a reservation's CPU).
_CLAIM_AND_READ = text(_CLAIM_SQL).columns(*_REQUEST_COLUMNS, *_UNIT_COLUMNS,
                                          *_BED_TYPE_COLUMNS)


def _attribute_keys(model: type[Any], columns: list[KeyedColumnElement[Any]]) -> list[str]:
    assert columns[0].primary_key  # _adopt looks the object up by the row's first value
    mapper = sa_inspect(model)
    return [mapper.get_property_by_column(c).key for c in columns]


# The models of the claim's row, in its order, with their attributes in column order.
_ROW_MODELS: list[tuple[type[Any], list[str]]] = [
    (PlacementRequest, _attribute_keys(PlacementRequest, _REQUEST_COLUMNS)),
    (CareUnit, _attribute_keys(CareUnit, _UNIT_COLUMNS)),
    (BedType, _attribute_keys(BedType, _BED_TYPE_COLUMNS))]


def _adopt(session: Session, row: Row[Any]) -> list[Any]:
    """The claim's row as the request, the unit and the bed type, persistent in the session
    as if the ORM had loaded them: the session's own object where it has one (not refreshed,
    as the ORM does not), else a new one with every column loaded. None for a missing row."""
    objects: list[Any] = []
    start = 0
    for model, keys in _ROW_MODELS:
        values = row[start:start + len(keys)]
        start += len(keys)
        if values[0] is None:  # the primary key comes first
            objects.append(None)
            continue
        found = session.identity_map.get(identity_key(model, values[0]))
        if found is None:
            found = model()
            for key, value in zip(keys, values, strict=True):
                set_committed_value(found, key, value)
            make_transient_to_detached(found)
            session.add(found)
        objects.append(found)
    return objects


# ---- PostgreSQL: one statement -----------------------------------------------------------


def _names(alias: str, columns: list[KeyedColumnElement[Any]], prefix: str = "") -> str:
    return ", ".join(f"{alias}.{c.name} AS {prefix}{c.name}" for c in columns)


# Column names are the models' own (not input). The request's columns come back first, then
# the unit's (u_…) and the bed type's (bt_…), in the models' order: the ORM matches them by
# position (TextualSelect.columns). LEFT JOINs: a claimed request without a bed still comes
# back (its claim is then undone), a row-less answer means the claim itself was refused.
_SQL = f"""
WITH req AS (
  UPDATE placement_request SET status = 'reserved'
  WHERE id = :request_id AND status = 'open'
    AND (CAST(:referrer AS integer) IS NULL OR referrer_organisation_id = :referrer)
    AND CAST(bed_types AS jsonb) @> jsonb_build_array(CAST(:code AS text))
  RETURNING {_names('placement_request', _REQUEST_COLUMNS)}),
bed AS (
  UPDATE bed_state SET held = bed_state.held + 1, version = bed_state.version + 1
  FROM care_unit u, bed_type bt
  WHERE bed_state.unit_id = :unit_id AND bed_state.bed_type_code = :code
    AND u.id = bed_state.unit_id AND bt.code = bed_state.bed_type_code
    AND bed_state.occupied + bed_state.blocked + bed_state.held + 1 <= bed_state.staffed
    AND bed_state.reported_at >= CAST(:now AS timestamptz)
        - make_interval(hours => bt.max_report_age_hours)
    AND EXISTS (SELECT 1 FROM req)
  RETURNING {_names('u', _UNIT_COLUMNS, 'u_')}, {_names('bt', _BED_TYPE_COLUMNS, 'bt_')}),
res AS (
  INSERT INTO reservation (request_id, organisation_id, unit_id, bed_type_code, status,
                           held_until, created_at, created_by, expiry_warned)
  SELECT :request_id, bed.u_organisation_id, :unit_id, :code, 'held', :held_until, :now,
         :actor, false
  FROM bed RETURNING id),
chg AS (
  INSERT INTO placement_status_change (request_id, reservation_id, at, actor_label,
                                       from_status, to_status, note)
  SELECT :request_id, res.id, :now, :actor, 'open', 'reserved',
         bed.u_name || ' / ' || bed.bt_name
  FROM res, bed RETURNING id)
SELECT req.*, bed.*, res.id AS vt_reservation_id, chg.id AS vt_change_id
FROM req LEFT JOIN bed ON true LEFT JOIN res ON true LEFT JOIN chg ON true
"""  # noqa: S608 - only the models' own column names are formatted in
_CLAIM_AND_HOLD = text(_SQL).bindparams(bindparam("now", type_=UTCDateTime()),
                bindparam("held_until", type_=UTCDateTime()))


_RESERVATION_ID = column("vt_reservation_id", Integer)
_CHANGE_ID = column("vt_change_id", Integer)
# Built once (a statement built per call costs its cache key on every reservation).
_LOAD = select(PlacementRequest, CareUnit, BedType, _RESERVATION_ID, _CHANGE_ID).from_statement(
    _CLAIM_AND_HOLD.columns(*_REQUEST_COLUMNS, *_UNIT_COLUMNS, *_BED_TYPE_COLUMNS,
                            _RESERVATION_ID, _CHANGE_ID))


def _one_statement(session: Session, actor: Actor, request_id: int, unit_id: int,
                   bed_type_code: str, now: datetime, held_until: datetime) -> Held:
    label = actor.label[:254]
    found = session.execute(
        _LOAD, {"request_id": request_id, "unit_id": unit_id, "code": bed_type_code,
         "referrer": None if visibility.sees_all(actor) else actor.organisation_id,
         "now": now, "held_until": held_until, "actor": label}).one_or_none()
    if found is None:  # the claim was refused: nothing changed
        raise explain(session, actor, request_id, unit_id, bed_type_code)
    request, unit, bed_type, reservation_id, change_id = found
    if reservation_id is None:  # claimed, but no bed: this transaction's claim is undone
        _undo_claim(session, request)
        raise explain(session, actor, request_id, unit_id, bed_type_code)
    _log_claim(session, actor, request)
    reservation = _new_reservation(request_id, unit.organisation_id, unit_id, bed_type_code,
                                   now, held_until, actor)
    reservation.id = reservation_id
    held = Held(request, reservation, unit, bed_type)
    change = _status_change(request_id, reservation_id, now, actor, held.note)
    change.id = change_id
    _attach(session, actor, held, change)
    events.emit(session, "availability", keys=[[unit_id, bed_type_code]])
    return held


def _attach(session: Session, actor: Actor, held: Held, change: StatusChange) -> None:
    """The reservation and its status change are written: the log gets the entries the ORM's
    flush hook would have written for them, and the reservation joins the session as a
    persistent row that knows its request and unit without loading them."""
    reservation = held.reservation
    audit.append_many(session, actor, [audit.creation(reservation), audit.creation(change)])
    make_transient_to_detached(reservation)
    session.add(reservation)
    set_committed_value(reservation, "request", held.request)
    set_committed_value(reservation, "unit", held.unit)


def _undo_claim(session: Session, request: PlacementRequest) -> None:
    """Give back a claim this transaction made (it holds the row's lock since), so that a
    caller who goes on in this transaction finds the request unchanged."""
    session.execute(update(PlacementRequest).where(PlacementRequest.id == request.id)
                    .values(status=RequestStatus.OPEN),
                    execution_options={"synchronize_session": False})
    set_committed_value(request, "status", RequestStatus.OPEN)


def _log_claim(session: Session, actor: Actor, request: PlacementRequest) -> None:
    """The claimed request follows its row, and the log gets the claim's entries: the request
    was read and its status changed (the ORM's flush hook sees no statement it did not
    flush itself)."""
    # A request already in the session (loaded earlier in this transaction) is not refreshed
    # by the statement that returned it.
    set_committed_value(request, "status", RequestStatus.RESERVED)
    audit.record_read(session, actor, entity="placement_request", entity_id=request.id,
                      purpose="reserve")
    audit.append(session, actor, action="update", entity="placement_request",
                 entity_id=request.id, detail={"changes": {"status": [
                     RequestStatus.OPEN.value, RequestStatus.RESERVED.value]}})
