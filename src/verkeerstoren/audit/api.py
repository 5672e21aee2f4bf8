"""JSON/CSV API for the audit log (administrators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from verkeerstoren.access.roles import Permission
from verkeerstoren.audit import service
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view

router = APIRouter(tags=["audit"])
AuditCtx = Annotated[Ctx, view(Permission.AUDIT_VIEW)]


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    first_bad_id: int | None
    problem: str | None
    head: str


@router.get("/audit/verify", response_model=VerifyOut)
def verify(ctx: AuditCtx) -> VerifyOut:
    """Walk the hash chain and report the first broken row, if any."""
    result = service.verify(ctx.session)
    return VerifyOut(ok=result.ok, checked=result.checked, first_bad_id=result.first_bad_id,
                     problem=result.problem, head=result.head)


@router.get("/audit/export.csv", response_class=StreamingResponse)
def export(ctx: AuditCtx) -> StreamingResponse:
    """The whole audit log as CSV."""
    service.append(ctx.session, ctx.user, action="export", entity="audit_entry")
    body = "".join(service.export_csv(ctx.session))
    return StreamingResponse(
        iter([body]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
