"""The live regional board page: its filters, the table every open board refetches, the map
and the event stream that tells open boards to refetch."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from verkeerstoren.access.roles import Permission
from verkeerstoren.capacity import board as board_service
from verkeerstoren.capacity import board_cache, maps
from verkeerstoren.capacity.freshness import age_text
from verkeerstoren.capacity.regional_board.fanout import LATER, Later, shared_patches
from verkeerstoren.registry.models import (
    BedType,
    CareUnit,
    Feature,
    Gemeente,
    Location,
    Region,
    Wijk,
)
from verkeerstoren.storage import Database
from verkeerstoren.storage.db import read_only_session
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import live_view, view
from verkeerstoren.web.sse import frame, sse_response
from verkeerstoren.web.templating import Templates, templates

router = APIRouter(include_in_schema=False)

TemplatesDep = Annotated[Templates, Depends(templates)]
BoardCtx = Annotated[Ctx, view(Permission.BOARD_VIEW)]
# The table and the map are refetched by every open board after each report.
LiveBoardCtx = Annotated[Ctx, live_view(Permission.BOARD_VIEW)]
Codes = Annotated[list[str] | None, Query(max_length=50)]
# 0 is "all regions" chosen on purpose; leaving the parameter out lets the page pick the
# user's own region. An id no region has simply matches nothing, as in the JSON API.
RegionChoice = Annotated[int | None, Query(ge=0, le=2**31 - 1)]
ALL_REGIONS = 0


@dataclass(frozen=True)
class BoardParams:
    """The board's query parameters: the filter, and whether a region was asked for at all."""

    flt: board_service.BoardFilter
    region_given: bool


def board_params(bed_type: Codes = None, feature: Codes = None, gemeente: Codes = None,
                 wijk: Codes = None, region_id: RegionChoice = None, fresh_only: bool = False,
                 available_only: bool = False) -> BoardParams:
    # Empty values come from the forms' "all …" options: they mean no filter, not "code ''".
    flt = board_service.BoardFilter(
        bed_types=tuple(c for c in bed_type or () if c),
        features=tuple(c for c in feature or () if c),
        gemeenten=tuple(c for c in gemeente or () if c),
        wijken=tuple(c for c in wijk or () if c),
        region_id=region_id or None,
        fresh_only=fresh_only,
        available_only=available_only,
    )
    return BoardParams(flt, region_given=region_id is not None)


Params = Annotated[BoardParams, Depends(board_params)]


def filter_query(flt: board_service.BoardFilter) -> str:
    """The filter as a query string for the table refetch, the map and the exports.

    Spelled out from the filter the page applied rather than copied from the page's URL, so
    a region the page chose by default reaches them too (they never pick one themselves).
    """
    pairs = [*(("bed_type", c) for c in flt.bed_types), *(("feature", c) for c in flt.features),
             *(("gemeente", c) for c in flt.gemeenten), *(("wijk", c) for c in flt.wijken)]
    if flt.region_id is not None:
        pairs.append(("region_id", str(flt.region_id)))
    if flt.fresh_only:
        pairs.append(("fresh_only", "true"))
    if flt.available_only:
        pairs.append(("available_only", "true"))
    return urlencode(pairs)


def regions_with_gemeenten(session: Session) -> list[Region]:
    """The regions a board or history can be narrowed to: those with at least one gemeente."""
    return list(session.scalars(
        select(Region).where(select(Gemeente.code).where(Gemeente.region_id == Region.id)
                             .exists()).order_by(Region.name)))


def own_region(session: Session, organisation_id: int | None) -> int | None:
    """The one region of the organisation's locations, or None when it has none or several
    (a coordination point serving two regions should see both, not a guess)."""
    if organisation_id is None:
        return None
    found = session.scalars(
        select(Gemeente.region_id).join(Location, Location.gemeente_code == Gemeente.code)
        .where(Location.organisation_id == organisation_id).distinct().limit(2)).all()
    return found[0] if len(found) == 1 else None


def wijk_options(session: Session, flt: board_service.BoardFilter
                 ) -> list[tuple[str, list[tuple[str, str]]]]:
    """(gemeente name, [(wijk code, wijk name)]) for the wijk select.

    Only wijken with an active unit (the others would always give an empty board), within
    the chosen region and gemeenten, so the list stays short; wijken already chosen are
    always listed, so that the form shows (and can undo) them after the region changed.
    """
    has_units = (select(Location.id).join(CareUnit, CareUnit.location_id == Location.id)
                 .where(Location.wijk_code == Wijk.code, CareUnit.active.is_(True)).exists())
    in_scope: list[ColumnElement[bool]] = [has_units]
    if flt.region_id is not None:
        in_scope.append(Gemeente.region_id == flt.region_id)
    if flt.gemeenten:
        in_scope.append(Wijk.gemeente_code.in_(flt.gemeenten))
    wanted = and_(*in_scope)
    if flt.wijken:
        wanted = or_(wanted, Wijk.code.in_(flt.wijken))
    grouped: dict[str, list[tuple[str, str]]] = {}
    for code, name, gemeente in session.execute(
            select(Wijk.code, Wijk.name, Gemeente.name)
            .join(Gemeente, Gemeente.code == Wijk.gemeente_code).where(wanted)
            .order_by(Gemeente.name, Wijk.code)):
        grouped.setdefault(gemeente, []).append((code, name))
    return list(grouped.items())


def _cached(request: Request, ctx: Ctx, flt: board_service.BoardFilter
            ) -> board_cache.CachedBoard:
    db: Database = request.app.state.db
    return board_cache.served_board(db.events, ctx.session, flt).entry


def _table_context(ctx: Ctx, entry: board_cache.CachedBoard) -> dict[str, Any]:
    # Cached per process: every open board refetches this table after each report.
    # The template reads the plain rows (Jinja's r.unit finds r["unit"]): validating them
    # into pydantic models first would cost more than the refresh itself.
    data = entry.data
    now = data.generated_at
    ages = {(r["unit_id"], r["bed_type_code"]): age_text(r["reported_at"], now, ctx.locale)
            for r in data.rows}
    return {"board": data, "ages": ages}


@router.get("/board", response_class=HTMLResponse)
def board_page(request: Request, ctx: BoardCtx, tpl: TemplatesDep, params: Params
               ) -> HTMLResponse:
    flt = params.flt
    if not params.region_given:
        flt = replace(flt, region_id=own_region(ctx.session, ctx.user.organisation_id))
    session = ctx.session
    return tpl.render(
        request, ctx, "capacity/board.html", **_table_context(ctx, _cached(request, ctx, flt)),
        flt=flt,
        bed_types=session.scalars(select(BedType).order_by(BedType.sort_order)).all(),
        features=session.scalars(select(Feature).order_by(Feature.name)).all(),
        gemeenten=session.scalars(select(Gemeente).order_by(Gemeente.name)).all(),
        regions=regions_with_gemeenten(session), all_regions=ALL_REGIONS,
        wijken=wijk_options(session, flt), query=filter_query(flt),
    )


@router.get("/board/table", response_class=HTMLResponse)
def board_table(request: Request, ctx: LiveBoardCtx, tpl: TemplatesDep, params: Params
                ) -> HTMLResponse:
    # The fragment holds nothing of the user (no form, no token): one rendering per board
    # version and language serves every open board (~50 ms for a region's 1,500 rows).
    entry = _cached(request, ctx, params.flt)
    body = entry.derived(("table", ctx.locale), lambda: bytes(tpl.render(
        request, ctx, "capacity/_board_table.html", **_table_context(ctx, entry)).body))
    return HTMLResponse(body)


@router.get("/board/map.json")
def board_map(request: Request, ctx: LiveBoardCtx, params: Params) -> Response:
    # Refetched with the table after every report: from the same cached board, made once.
    entry = _cached(request, ctx, params.flt)
    body = entry.derived(("map", ctx.locale), lambda: json.dumps(maps.board_map(
        entry.board, ctx.settings.data_dir, ctx._("Free beds per location"))).encode())
    return Response(body, media_type="application/json")


NO_PATCH = ""  # the board is unknown here: the stream sends the plain event (board.js refetches)


def _patch(request: Request, ctx: Ctx, tpl: Templates, flt: board_service.BoardFilter,
           keys: list[tuple[int, str]]) -> str | None:
    """The changed rows of this filter's board as HTML (None: none of them is on it), read
    from the database where the events did not say enough (in a thread of the pool)."""
    db: Database = request.app.state.db
    if not board_cache.cache_for(db.events).knows(flt):
        # No page of this process showed this board: building it here for a stream nobody
        # loaded it for is not worth it; the board refetches (and so gets it built) instead.
        return NO_PATCH
    with db.sessionmaker() as session, session.begin():
        read_only_session(session)
        entry = board_cache.served_board(db.events, session, flt).entry
    return _patch_of(ctx, tpl, entry, keys)


def _patch_of(ctx: Ctx, tpl: Templates, entry: board_cache.CachedBoard,
              keys: list[tuple[int, str]]) -> str | None:
    """The changed rows of this board as HTML (None: none of them is on it)."""
    wanted = set(keys)
    # Looked up key by key: set.isdisjoint(dict) walks all of the board's rows.
    if not any(key in entry.raw for key in wanted):
        return None

    def render() -> bytes:
        # Only these rows: asking for all of a refreshed board's rows would age every one.
        rows = entry.data.rows_for(wanted)
        # The ages of these rows only: the whole board's (_table_context) took longer than
        # refreshing the board, once per report per process (bench.mixed).
        now = entry.data.generated_at
        ages = {(r["unit_id"], r["bed_type_code"]): age_text(r["reported_at"], now, ctx.locale)
                for r in rows}
        return tpl.fragment(ctx, "capacity/_board_patch.html", rows=rows, board=entry.data,
                            ages=ages).encode()

    # Every open board with this filter gets the same patch: made once per board version.
    key = ("patch", ctx.locale, *sorted(f"{u}:{c}" for u, c in wanted))
    return entry.derived(key, render).decode()


@router.get("/board/events")
async def board_events(request: Request, ctx: LiveBoardCtx, bed_type: Codes = None,
                       feature: Codes = None, gemeente: Codes = None, wijk: Codes = None,
                       region_id: RegionChoice = None, fresh_only: bool = False,
                       available_only: bool = False) -> StreamingResponse:
    """Server-Sent Events: one message per committed change of availability.

    A change that names its rows (a report, a hold) carries those rows as this stream's board
    shows them (same filter as the page: board.js passes its query), so every open board
    shows it without asking again; 100 boards refetching the whole table after each report
    took seconds. A change without rows (a bulk report) makes the board refetch its table;
    a change none of whose rows is on this board is not sent to it.
    """
    # The filter as plain query parameters, not through the Params dependency: with further
    # (sync) dependencies FastAPI kept this stream's session, and so a database connection,
    # until the stream ended; 100 open boards then ran the pool dry.
    flt = board_params(bed_type, feature, gemeente, wijk, region_id, fresh_only,
                       available_only).flt
    tpl: Templates = request.app.state.templates

    db: Database = request.app.state.db
    cache = board_cache.cache_for(db.events)
    patches = shared_patches()

    def framed(message: dict[str, Any], name: str, rows: str | None) -> str | None:
        if rows is None:
            return None  # none of the changed rows is on this board: nothing to show
        # The states were for this process; the browser gets the rows as HTML.
        public = {k: v for k, v in message.items() if k != "states"}
        return frame(name, public if rows == NO_PATCH else {**public, "rows": rows})

    async def pick(message: dict[str, Any]) -> str | None:
        name = str(message.get("type", "message"))
        if name != "availability":
            # Asked again: the bus delivers an event whose filter raised (board_cache.concerns).
            return None

        def now() -> str | Later | None:
            keys = board_cache.event_keys(message)
            if not keys:
                return frame(name, message)
            # A report's event carries the new states: the board is brought up to date and
            # its rows rendered here, without a thread or a session (milliseconds per event
            # and process otherwise). Anything else (a hold, a board not kept here) waits.
            served = cache.serve_from_events(flt) if cache.knows(flt) else None
            if served is None:
                return LATER
            return framed(message, name, _patch_of(ctx, tpl, served.entry, list(keys)))

        async def later() -> str | None:
            keys = list(board_cache.event_keys(message) or ())
            return framed(message, name, await run_in_threadpool(
                _patch, request, ctx, tpl, flt, keys))

        # The whole frame, JSON and all, is made once for every stream with this filter and
        # language (a thousand boards encoded the same rows once each), and the event's keys
        # are read once too.
        return await patches.get(message, (flt, ctx.locale), now, later)

    # Events about rows off this board are dropped before this stream is woken for them.
    return sse_response(request, db.events, pick, accepts=cache.concerns_for(flt))
