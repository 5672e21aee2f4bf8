"""JSON API for placement requests, options, reservations and the unplaced analysis."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from verkeerstoren.access.roles import Permission
from verkeerstoren.audit import service as audit
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.placement import service
from verkeerstoren.placement.matching import RULE_SUMMARY, Reason, Rule
from verkeerstoren.placement.models import PlacementRequest, Reservation
from verkeerstoren.placement.options import Excluded, Ranking
from verkeerstoren.placement.schemas import (
    AcceptIn,
    AnalysisOut,
    ExcludedOut,
    ExclusionOut,
    OptionOut,
    OptionsOut,
    ReasonIn,
    ReasonOut,
    RequestIn,
    RequestOut,
    ReservationOut,
    ReserveIn,
    RuleCountOut,
    UnplacedIn,
)
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view

router = APIRouter(tags=["placement"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
RequestCtx = Annotated[Ctx, edit(Permission.PLACEMENT_REQUEST)]
RequestViewCtx = Annotated[Ctx, view(Permission.PLACEMENT_REQUEST)]
WorkCtx = Annotated[Ctx, edit(Permission.PLACEMENT_WORK)]
AnswerCtx = Annotated[Ctx, edit(Permission.RESERVATION_ANSWER)]
AnalysisCtx = Annotated[Ctx, view(Permission.UNPLACED_VIEW)]
MatchCtx = Annotated[Ctx, view(Permission.PLACEMENT_WORK)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]


def _reasons(reasons: tuple[Reason, ...]) -> list[ReasonOut]:
    return [ReasonOut(message=r.message, text=r.text) for r in reasons]


def options_out(found: Ranking, limit: int) -> OptionsOut:
    """One page of options in API form, with the exclusions counted per rule."""
    return OptionsOut(
        total=found.total, offset=found.offset, limit=limit, considered=found.considered,
        options=[OptionOut(unit_id=o.candidate.unit_id, unit=o.candidate.unit,
                           organisation=o.candidate.organisation,
                           bed_type_code=o.candidate.bed_type_code,
                           available=o.candidate.available, score=o.score,
                           distance_km=o.distance_km, why=_reasons(o.reasons))
                 for o in found.options],
        excluded_total=found.excluded,
        excluded_by_rule=[RuleCountOut(rule=rule, message=RULE_SUMMARY[rule],
                                       text=RULE_SUMMARY[rule], count=n)
                          for rule, n in found.excluded_by_rule.items()],
    )


def excluded_out(found: Excluded, limit: int) -> ExcludedOut:
    return ExcludedOut(
        rule=found.rule, total=found.total, offset=found.offset, limit=limit,
        excluded=[ExclusionOut(unit_id=e.candidate.unit_id, unit=e.candidate.unit,
                               organisation=e.candidate.organisation,
                               bed_type_code=e.candidate.bed_type_code,
                               distance_km=e.distance_km, why=_reasons(e.reasons))
                  for e in found.exclusions],
    )


@router.post("/placement/requests", response_model=RequestOut, status_code=201)
def create(ctx: RequestCtx, body: RequestIn) -> PlacementRequest:
    """Open a placement request (pseudonymised: no name, no BSN)."""
    return service.create_request(ctx.session, ctx.user, body)


@router.get("/placement/requests", response_model=list[RequestOut])
def list_requests(ctx: RequestViewCtx, live_only: bool = False) -> list[PlacementRequest]:
    """Requests newest first (referrers see their own organisation's)."""
    return service.list_requests(ctx.session, ctx.user, live_only=live_only)


@router.get("/placement/requests/{request_id}", response_model=RequestOut)
def get(ctx: RequestViewCtx, request_id: Id) -> PlacementRequest:
    """One request; every read is audited."""
    return service.get_request(ctx.session, ctx.user, request_id)


@router.get("/placement/requests/{request_id}/options", response_model=OptionsOut)
def options(ctx: MatchCtx, request_id: Id, offset: Offset = 0,
            limit: Limit = service.PAGE) -> OptionsOut:
    """Ranked options with why (one page, best first), and how many units each hard
    constraint excluded."""
    request = service.get_request(ctx.session, ctx.user, request_id, purpose="match")
    found = service.options_for(ctx.session, request, offset=offset, limit=limit)
    return options_out(found, limit)


@router.get("/placement/requests/{request_id}/excluded", response_model=ExcludedOut)
def excluded(ctx: MatchCtx, request_id: Id, rule: Rule | None = None, offset: Offset = 0,
             limit: Limit = service.PAGE) -> ExcludedOut:
    """The excluded units (breaking `rule`, or any rule), nearest to the patient first, each
    with every rule it breaks."""
    request = service.get_request(ctx.session, ctx.user, request_id, purpose="match")
    found = service.excluded_for(ctx.session, request, rule=rule, offset=offset, limit=limit)
    return excluded_out(found, limit)


@router.post("/placement/requests/{request_id}/reservations", response_model=ReservationOut,
             status_code=201, responses={409: {"description": "No free bed (any more)"}})
def reserve(ctx: WorkCtx, request_id: Id, body: ReserveIn) -> Reservation:
    """Hold a bed for the request for `hold_minutes` (30 by default; 5-240 unless configured
    otherwise)."""
    return service.reserve(ctx.session, ctx.user, request_id, body.unit_id, body.bed_type_code,
                           hold_minutes=body.hold_minutes,
                           policy=service.HoldPolicy.from_settings(ctx.settings))


@router.post("/placement/requests/{request_id}/cancel", response_model=RequestOut)
def cancel_request(ctx: RequestCtx, request_id: Id, body: ReasonIn) -> PlacementRequest:
    """Cancel a live request with a reason."""
    return service.cancel_request(ctx.session, ctx.user, request_id, body.reason)


@router.post("/placement/requests/{request_id}/unplaced", response_model=RequestOut)
def close_unplaced(ctx: WorkCtx, request_id: Id, body: UnplacedIn) -> PlacementRequest:
    """Close as unplaced with a structured reason; the region's availability is kept with it."""
    return service.close_unplaced(ctx.session, ctx.user, request_id, body.reason, body.note)


@router.get("/placement/reservations", response_model=list[ReservationOut])
def incoming(ctx: Annotated[Ctx, view(Permission.RESERVATION_ANSWER)],
             include_closed: bool = False) -> list[Reservation]:
    """Reservations for your organisation's units (held ones unless include_closed); the read
    is audited (each names a patient's request)."""
    found = service.incoming(ctx.session, organisation_id=ctx.user.scoped_organisation,
                             include_closed=include_closed)
    audit.record_list_read(ctx.session, ctx.user, entity="placement_request",
                           ids=[v.request_id for v in found], purpose="incoming reservations")
    return found


@router.post("/placement/reservations/{reservation_id}/accept", response_model=ReservationOut)
def accept(ctx: AnswerCtx, reservation_id: Id, body: AcceptIn) -> Reservation:
    """Accept a held reservation: the patient is placed."""
    return service.accept(ctx.session, ctx.user, reservation_id,
                          admission_date=body.admission_date)


@router.post("/placement/reservations/{reservation_id}/decline", response_model=ReservationOut)
def decline(ctx: AnswerCtx, reservation_id: Id, body: ReasonIn) -> Reservation:
    """Decline with a reason; the bed is released."""
    return service.decline(ctx.session, ctx.user, reservation_id, body.reason)


@router.post("/placement/reservations/{reservation_id}/cancel", response_model=ReservationOut)
def cancel_reservation(ctx: WorkCtx, reservation_id: Id, body: ReasonIn) -> Reservation:
    """Withdraw a hold with a reason."""
    return service.cancel(ctx.session, ctx.user, reservation_id, body.reason)


@router.get("/placement/unplaced", response_model=AnalysisOut)
def unplaced(
    ctx: AnalysisCtx,
    period_from: Annotated[date | None, Query(alias="from")] = None,
    period_to: Annotated[date | None, Query(alias="to")] = None,
) -> AnalysisOut:
    """Unplaced requests by reason, bed type and gemeente; unmet demand; time to placement."""
    today = utcnow().date()
    start = period_from or today - timedelta(days=90)
    end = period_to or today
    for name, value in (("from", start), ("to", end)):
        if not date(2000, 1, 1) <= value <= date(2100, 12, 31):
            raise ValidationProblem(name, "a date between 2000 and 2100")
    return service.analyse(ctx.session, start, end, today=today)
