"""The capacity panel on the provider's home page: its units whose reports are out of date.

The shell knows nothing about capacity: each capability's ``pages.HOME_PANELS`` lists callables
``(ctx) -> (template, values) | None`` that the home page includes in turn.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from verkeerstoren.access.roles import Permission
from verkeerstoren.capacity import board as board_service
from verkeerstoren.capacity.freshness import age_text
from verkeerstoren.capacity.models import BedState
from verkeerstoren.registry.models import CareUnit
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.context import Ctx

TEMPLATE = "capacity/_home_stale.html"
MAX_LISTED = 25


def stale_units_panel(ctx: Ctx) -> tuple[str, dict[str, Any]] | None:
    """For a provider: its stale unit × bed type figures, oldest first, each with its age."""
    actor = ctx.actor
    if actor is None or not actor.can(Permission.CAPACITY_REPORT):
        return None
    org_id = actor.scoped_organisation
    if org_id is None:  # administrators report for everyone; the board shows them staleness
        return None
    now = utcnow()
    data = board_service.board(ctx.session, board_service.BoardFilter(organisation_id=org_id),
                               now=now)
    # Never reported first, then the oldest report: that is the one to fix first.
    stale = sorted((r for r in data.rows if r.stale),
                   key=lambda r: (r.reported_at is not None, r.reported_at or now))
    never = ctx._("never reported")
    ages = {(r.unit_id, r.bed_type_code): age_text(r.reported_at, now, ctx.locale)
            if r.reported_at else never for r in stale}
    # "All unchanged" straight from the reminder (issue 14): the form names the report of every
    # card, as the report page's does, so the server confirms only what the provider saw
    # summarised here and refuses all when one moved on since (capacity.confirm).
    shown = sorted((u, c, r) for u, c, r in ctx.session.execute(
        select(BedState.unit_id, BedState.bed_type_code, BedState.report_id)
        .join(CareUnit, CareUnit.id == BedState.unit_id)
        .where(BedState.organisation_id == org_id, BedState.report_id.is_not(None),
               CareUnit.active.is_(True))))
    return TEMPLATE, {"stale": stale[:MAX_LISTED], "more": max(0, len(stale) - MAX_LISTED),
                      "ages": ages, "checked": len(data.rows), "all_shown": shown}
