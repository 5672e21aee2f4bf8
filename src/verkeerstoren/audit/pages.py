"""The audit log page: the newest entries (filtered), chain check and CSV export."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, or_, select

from verkeerstoren.access.roles import Permission
from verkeerstoren.audit import service
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.storage.base import Base
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import view
from verkeerstoren.web.templating import NavItem, Templates, templates

router = APIRouter(include_in_schema=False)
NAV = [NavItem("Audit log", "/admin/audit", Permission.AUDIT_VIEW)]
AuditCtx = Annotated[Ctx, view(Permission.AUDIT_VIEW)]
SHOWN = 200
ACTIONS = ("create", "update", "delete", "read", "report", "export", "login", "login_failed",
           "logout")


def label(ctx: Ctx, kind: str, name: str) -> str:
    """The Dutch name of a table or action ("audit.table.reservation" → "reservering"), or
    the raw name for one the catalogue does not know yet."""
    key = f"audit.{kind}.{name}"
    text = ctx._(key)
    return name if text == key else text


def _filtered(stmt: Select[tuple[AuditEntry]], *, entity: str | None, action: str | None,
              person: str | None, request_id: int | None, start: date | None,
              end: date | None) -> Select[tuple[AuditEntry]]:
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if person:
        stmt = stmt.where(AuditEntry.actor_label.icontains(person.strip(), autoescape=True))
    if request_id is not None:
        # The request's own rows, and the rows of its reservations and status changes, which
        # carry its id in their recorded values.
        stmt = stmt.where(or_(
            (AuditEntry.entity == "placement_request")
            & (AuditEntry.entity_id == str(request_id)),
            AuditEntry.detail.contains(f'"request_id": {request_id},', autoescape=True),
            AuditEntry.detail.contains(f'"request_id": {request_id}}}', autoescape=True),
        ))
    # Days are the region's days (Europe/Amsterdam), as the times on the page are.
    if start is not None:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(start, time(), REGION_TZ))
    if end is not None:
        stmt = stmt.where(
            AuditEntry.at < datetime.combine(end + timedelta(days=1), time(), REGION_TZ))
    return stmt


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    ctx: AuditCtx,
    tpl: Annotated[Templates, Depends(templates)],
    entity: Annotated[str | None, Query(max_length=60)] = None,
    action: Annotated[str | None, Query(max_length=30)] = None,
    person: Annotated[str | None, Query(max_length=254)] = None,
    request_id: Annotated[int | None, Query(alias="request", ge=1, le=2**31 - 1)] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="until")] = None,
) -> HTMLResponse:
    stmt = _filtered(select(AuditEntry), entity=entity or None, action=action or None,
                     person=person or None, request_id=request_id, start=start, end=end)
    entries = list(ctx.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(SHOWN)))
    check = service.verify(ctx.session)
    tables = sorted(((name, label(ctx, "table", name)) for name in Base.metadata.tables),
                    key=lambda pair: pair[1])
    return tpl.render(
        request, ctx, "audit/log.html", entries=entries, check=check, shown=SHOWN,
        tables=tables, actions=[(a, label(ctx, "action", a)) for a in ACTIONS],
        label=lambda kind, name: label(ctx, kind, name),
        filters={"entity": entity or "", "action": action or "", "person": person or "",
                 "request": request_id or "", "from": start or "", "until": end or ""})
