"""The audit log page: latest entries, chain check and CSV export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from verkeerstoren.access.roles import Permission
from verkeerstoren.audit import service
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Audit log", "/admin/audit", Permission.AUDIT_VIEW)]
AuditCtx = Annotated[Ctx, view(Permission.AUDIT_VIEW)]


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    ctx: AuditCtx,
    tpl: Annotated[Templates, Depends(templates)],
    entity: Annotated[str | None, Query(max_length=60)] = None,
) -> HTMLResponse:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    entries = list(ctx.session.scalars(stmt))
    check = service.verify(ctx.session)
    return tpl.render(request, ctx, "audit/log.html", entries=entries, check=check,
                      entity=entity or "")
