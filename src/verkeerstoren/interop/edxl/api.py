"""EDXL-HAVE routes under /api/v1: export an organisation's availability, import a document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import Response

from verkeerstoren.access.roles import Permission
from verkeerstoren.capacity import board as board_service
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.errors import NotFound, ValidationProblem
from verkeerstoren.interop.edxl import documents, pull, writer
from verkeerstoren.interop.edxl import service as edxl
from verkeerstoren.interop.edxl.documents import HaveVersion
from verkeerstoren.interop.edxl.schemas import EdxlImportOut, StaleOut
from verkeerstoren.registry.models import Organisation
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view

router = APIRouter()  # tagged "interop" by the capability's router that includes it
pull.register()

BoardCtx = Annotated[Ctx, view(Permission.BOARD_VIEW)]
ReportCtx = Annotated[Ctx, edit(Permission.CAPACITY_REPORT)]
XML = "application/xml"

EXAMPLE_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<have:HAVE xmlns:have="urn:oasis:names:tc:emergency:edxl:have:2.0"
           xmlns:ct="urn:oasis:names:tc:emergency:edxl:ct:1.0">
  <have:facility>
    <have:facilityInformation><have:facilityID>12</have:facilityID></have:facilityInformation>
    <have:reportingPeriod><ct:toDateTime>2026-12-04T08:00:00Z</ct:toDateTime></have:reportingPeriod>
    <have:serviceList>
      <have:serviceListItem>
        <have:serviceType>
          <ct:ValueListURI>urn:verkeerstoren:bed-type</ct:ValueListURI>
          <ct:Value>short_stay_high</ct:Value>
        </have:serviceType>
        <have:serviceStatus>
          <have:isAvailable>true</have:isAvailable>
          <have:availability>Open</have:availability>
          <have:availableCount>3</have:availableCount>
          <have:baselineCount>12</have:baselineCount>
        </have:serviceStatus>
      </have:serviceListItem>
    </have:serviceList>
  </have:facility>
</have:HAVE>
"""

_XML_ANSWER: dict[int | str, dict[str, Any]] = {200: {
    "content": {XML: {"schema": {"type": "string"}, "example": EXAMPLE_V2}},
    "description": "The organisation's current availability as an EDXL-HAVE document.",
}}


@router.get("/interop/edxl-have/{organisation_id}", response_class=Response,
            responses=_XML_ANSWER)
def export_have(
    ctx: BoardCtx,
    organisation_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    version: Annotated[HaveVersion, Query(description="EDXL-HAVE version")] = HaveVersion.V2,
) -> Response:
    """One organisation's current availability as EDXL-HAVE 2.0 (default) or 1.0 XML: one
    facility per care unit, one service per bed type (1.0: per HAVE bed category)."""
    if ctx.session.get(Organisation, organisation_id) is None:
        raise NotFound("organisation", organisation_id)
    rows = [r for r in board_service.board(
        ctx.session, board_service.BoardFilter(organisation_id=organisation_id)).rows
        if r.organisation_id == organisation_id]
    if not any(r.reported_at is not None for r in rows):
        raise ValidationProblem("organisation_id",
                                "organisation {id} has no reported availability to export",
                                params={"id": organisation_id})
    root = writer.build(rows, version)
    return Response(documents.serialise(root), media_type=XML)


@router.post("/interop/edxl-have", response_model=EdxlImportOut, status_code=201,
             responses={201: {"content": {"application/json": {"example": {
                 "version": "2.0", "accepted": 1, "stale": [], "over_capacity": 0}}}}},
             openapi_extra={"requestBody": {"content": {XML: {"example": EXAMPLE_V2}}}})
def import_have(
    ctx: ReportCtx,
    content: Annotated[bytes, Body(media_type=XML, max_length=documents.MAX_BYTES)],
) -> EdxlImportOut:
    """Report availability as an EDXL-HAVE 2.0 or 1.0 document (request body, XML), all or
    nothing: a problem anywhere names the element and line, and nothing is saved."""
    result = edxl.import_document(ctx.session, ctx.user, content, ReportSource.API)
    return EdxlImportOut(
        version=result.version.value, accepted=result.accepted, over_capacity=result.over_capacity,
        stale=[StaleOut(unit_id=s.unit_id, bed_type_code=s.bed_type_code,
                        reported_at=s.reported_at, age_hours=s.age_hours) for s in result.stale])
