"""Placement requests: create, read (audited), list; their status history and status claim.

What happens to a request later (holds, placement, closing) is in ``lifecycle``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Role
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity.board import BoardFilter, board
from verkeerstoren.errors import Conflict, NotFound, ValidationProblem
from verkeerstoren.placement import visibility
from verkeerstoren.placement.models import (
    LIVE_STATUSES,
    PlacementRequest,
    RequestStatus,
    StatusChange,
)
from verkeerstoren.placement.options import area_point
from verkeerstoren.placement.schemas import RequestIn
from verkeerstoren.registry.models import BedType, Feature, Gemeente, Organisation
from verkeerstoren.storage.base import utcnow


class DuplicateRequest(Conflict):
    """A live request for this pseudonym exists already; ``existing_id`` names it, so a page
    can link to it instead of leaving the coordinator to search."""

    def __init__(self, existing_id: int) -> None:
        self.existing_id = existing_id
        super().__init__(f"request {existing_id} for this pseudonym is still open")


def new_pseudonym() -> str:
    """A pseudonym for a request made before the referrer gave one: random, so it says nothing
    about the patient; the request number is what people quote on the phone."""
    return f"vt-{secrets.token_hex(5)}"


def record(session: Session, request: PlacementRequest, actor: Actor, to_status: str, *,
           from_status: str | None = None, reservation_id: int | None = None,
           note: str | None = None, at: datetime | None = None) -> None:
    """Keep a status change with time and actor."""
    session.add(StatusChange(request_id=request.id, reservation_id=reservation_id,
                             at=at or utcnow(), actor_label=actor.label[:254],
                             from_status=from_status, to_status=to_status, note=note))


def claim(session: Session, actor: Actor, request: PlacementRequest, from_status: RequestStatus,
          to_status: RequestStatus) -> bool:
    """Move a request from one status to another only if it still has the first (compare-and-set).

    Two coordinators reserving for the same patient at the same moment both see it open; the
    second UPDATE waits for the first one's row lock, then finds the status changed and matches
    nothing, so exactly one of them gets the request.
    """
    table = PlacementRequest.__table__
    result = session.connection().execute(
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == request.id, table.c.status == from_status.value)
        .values(status=to_status.value)
    )
    if result.rowcount != 1:
        return False
    # The object follows the row without a second UPDATE; the change is logged explicitly
    # because the ORM's audit hook only sees what the ORM itself flushes.
    set_committed_value(request, "status", to_status)
    audit.append(session, actor, action="update", entity="placement_request",
                 entity_id=request.id,
                 detail={"changes": {"status": [from_status.value, to_status.value]}})
    return True


def _check_codes(session: Session, data: RequestIn) -> None:
    known_types = set(session.scalars(select(BedType.code)))
    for code in data.bed_types:
        if code not in known_types:
            raise ValidationProblem("bed_types", "unknown bed type {code}", params={"code": code})
    known_features = set(session.scalars(select(Feature.code)))
    for code in data.features:
        if code not in known_features:
            raise ValidationProblem("features", "unknown feature {code}", params={"code": code})
    for code in data.preferred_gemeenten:
        if session.get(Gemeente, code) is None:
            raise ValidationProblem("preferred_gemeenten", "unknown municipality {code}",
                                    params={"code": code})


def create_request(session: Session, actor: Actor, data: RequestIn, *,
                   now: datetime | None = None) -> PlacementRequest:
    """Open a request; a second live request for the same pseudonym is refused."""
    now = now or utcnow()
    _check_codes(session, data)
    org_id = data.referrer_organisation_id
    if actor.role is Role.REFERRER or org_id is None:
        org_id = actor.organisation_id
    if org_id is None or session.get(Organisation, org_id) is None:
        raise ValidationProblem("referrer_organisation_id", "unknown organisation")
    pseudonym = data.pseudonym or new_pseudonym()
    live = session.scalar(
        select(PlacementRequest.id).where(PlacementRequest.pseudonym == pseudonym,
                                          PlacementRequest.status.in_(LIVE_STATUSES))
    )
    if live is not None:
        raise DuplicateRequest(live)
    point = area_point(session, data.postcode_area)
    request = PlacementRequest(
        **data.model_dump(exclude={"referrer_organisation_id", "pseudonym"}),
        pseudonym=pseudonym,
        gemeente_code=point[2] if point else None,
        referrer_organisation_id=org_id,
        created_by_user_id=actor.user_id,
        created_at=now,
        status=RequestStatus.OPEN,
    )
    session.add(request)
    # The partial unique index refuses a racing duplicate even if both passed the check above.
    session.flush()
    record(session, request, actor, RequestStatus.OPEN.value, at=now)
    visibility.announce(session, request)
    return request


def visible(actor: Actor) -> Select[PlacementRequest]:
    """Requests this actor may see: referrers only their own organisation's (the rule is
    ``visibility.sees_all``; the live events apply the same one)."""
    stmt = select(PlacementRequest)
    if not visibility.sees_all(actor):
        stmt = stmt.where(PlacementRequest.referrer_organisation_id == actor.organisation_id)
    return stmt


def get_request(session: Session, actor: Actor, request_id: int, *,
                purpose: str = "view") -> PlacementRequest:
    """One request; the read is written to the audit log (it is patient data)."""
    request = session.scalar(visible(actor).where(PlacementRequest.id == request_id))
    if request is None:
        raise NotFound("placement_request", request_id)
    audit.record_read(session, actor, entity="placement_request", entity_id=request_id,
                      purpose=purpose)
    return request


def list_requests(session: Session, actor: Actor, *, live_only: bool = False,
                  limit: int = 200, offset: int = 0, search: str | None = None,
                  status: RequestStatus | None = None) -> list[PlacementRequest]:
    """Requests newest first; the list read is audited with the ids shown.

    ``search`` finds a request by its number (what the referrer quotes on the phone, "#634"
    too) or by a part of its pseudonym; ``status`` keeps one status.
    """
    stmt = (visible(actor).order_by(PlacementRequest.created_at.desc(),
                                    PlacementRequest.id.desc())
            .limit(limit).offset(offset))
    if live_only:
        stmt = stmt.where(PlacementRequest.status.in_(LIVE_STATUSES))
    if status is not None:
        stmt = stmt.where(PlacementRequest.status == status)
    wanted = (search or "").strip().lstrip("#").strip()
    if wanted:
        found_by = PlacementRequest.pseudonym.icontains(wanted, autoescape=True)
        if wanted.isdigit() and len(wanted) < 10:
            found_by = or_(PlacementRequest.id == int(wanted), found_by)
        stmt = stmt.where(found_by)
    found = list(session.scalars(stmt))
    if found:
        audit.append(session, actor, action="read", entity="placement_request",
                     entity_id=None, detail={"ids": [r.id for r in found], "purpose": "list"})
    return found


def snapshot(session: Session, bed_types: list[str], now: datetime) -> list[dict[str, object]]:
    """What the region had for these bed types at this moment (kept with an unplaced request)."""
    data = board(session, BoardFilter(bed_types=tuple(bed_types)), now=now)
    return [
        {"unit_id": r.unit_id, "unit": r.unit, "bed_type": r.bed_type_code,
         "gemeente": r.gemeente_code, "available": r.available, "stale": r.stale,
         "features": r.features}
        for r in data.rows
    ]
