"""JSON API of waiting times: report, import, list, 'where soonest', norms, region view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from verkeerstoren.access.roles import Permission
from verkeerstoren.profiles.data import scope
from verkeerstoren.waiting_times import lookup, norms, region, service
from verkeerstoren.waiting_times.models import ReportSource, Sector, WaitReport
from verkeerstoren.waiting_times.schemas import (
    ImportOut,
    NormOut,
    ReportedOut,
    ShareOut,
    WaitIn,
    WaitOut,
)
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view
from verkeerstoren.web.params import RegionId

router = APIRouter(tags=["waiting_times"])
ViewCtx = Annotated[Ctx, view(Permission.WAITS_VIEW)]
ReportCtx = Annotated[Ctx, edit(Permission.WAITS_REPORT)]
CareType = Annotated[str | None, Query(max_length=100)]
Postcode = Annotated[str, Query(min_length=4, max_length=10)]
MaxKm = Annotated[float, Query(gt=0, le=300)]


def wait_out(w: service.Wait, distance: float | None = None) -> WaitOut:
    """API shape of a current wait."""
    return WaitOut(provider=w.provider, location=w.location, place=w.place,
                   gemeente_code=w.gemeente_code, sector=w.sector, care_type=w.care_type,
                   intake_weeks=w.intake_weeks, treatment_weeks=w.treatment_weeks,
                   intake_note=w.intake_note, treatment_note=w.treatment_note,
                   measured_on=w.measured_on, source=w.source, status=w.status.value,
                   distance_km=distance)


def reported_out(ctx: Ctx, r: WaitReport) -> ReportedOut:
    """API shape of a reported wait with its status."""
    rules = norms.load(ctx.session)
    return ReportedOut(id=r.id, organisation_id=r.organisation_id, location_id=r.location_id,
                       sector=r.sector.value, care_type=r.care_type,
                       intake_weeks=r.intake_weeks, treatment_weeks=r.treatment_weeks,
                       measured_on=r.measured_on, source=r.source.value,
                       status=norms.status(rules, r.sector.value, r.care_type, r.intake_weeks,
                                           r.treatment_weeks).value)


@router.get("/waits", response_model=list[WaitOut])
def list_waits(ctx: ViewCtx, sector: Sector | None = None, care_type: CareType = None,
               region_id: RegionId = None) -> list[WaitOut]:
    """Current waits in the region (reported and NZa), with their status against the norm."""
    gemeenten = list(scope(ctx.session, region_id).gemeenten)
    return [wait_out(w) for w in service.current_waits(
        ctx.session, sector=sector.value if sector else None, care_type=care_type,
        gemeenten=gemeenten)]


@router.post("/waits", response_model=ReportedOut, status_code=201)
def report_wait(ctx: ReportCtx, data: WaitIn) -> ReportedOut:
    """Report current waits for one care type (own organisation)."""
    assert ctx.actor is not None
    return reported_out(ctx, service.report(ctx.session, ctx.actor, data, ReportSource.API))


@router.post("/waits/import", response_model=ImportOut)
def import_waits(ctx: ReportCtx,
                 body: Annotated[str, Body(media_type="text/csv", max_length=2_000_000)]
                 ) -> ImportOut:
    """Report many waits from CSV text (location_id, sector, care_type, intake_weeks,
    treatment_weeks, measured_on); all or nothing."""
    assert ctx.actor is not None
    return ImportOut(imported=service.import_csv(ctx.session, ctx.actor, body.encode("utf-8")))


@router.get("/waits/soonest", response_model=list[WaitOut])
def soonest(ctx: ViewCtx, postcode: Postcode, sector: Sector | None = None,
            care_type: CareType = None, max_km: MaxKm = 25.0) -> list[WaitOut]:
    """Providers with the shortest current wait within ``max_km`` of a postcode."""
    options = lookup.where_soonest(ctx.session, postcode=postcode,
                                   sector=sector.value if sector else None,
                                   care_type=care_type, max_km=max_km)
    return [wait_out(o.wait, o.distance_km) for o in options]


@router.get("/waits/norms", response_model=list[NormOut])
def list_norms(ctx: ViewCtx) -> list[NormOut]:
    """The Treeknormen reference table with its sources."""
    return [NormOut(**n.__dict__) for n in norms.load(ctx.session)]


@router.get("/waits/region", response_model=list[ShareOut])
def region_shares(ctx: ViewCtx, region_id: RegionId = None) -> list[ShareOut]:
    """Share of providers within the Treeknorm per sector."""
    gemeenten = list(scope(ctx.session, region_id).gemeenten)
    return [ShareOut(sector=s.sector, providers=s.providers, providers_within=s.providers_within,
                     share_within=s.share_within, entries=s.entries,
                     entries_within=s.entries_within, source=s.sources)
            for s in region.shares(ctx.session, gemeenten)]
