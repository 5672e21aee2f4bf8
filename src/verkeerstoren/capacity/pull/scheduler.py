"""The scheduler: every minute, pull each active source whose interval has passed."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.capacity.models import PullSource
from verkeerstoren.capacity.pull.fetch import Fetcher, download, http_fetcher
from verkeerstoren.capacity.pull.service import PullResult, apply, pull_actor
from verkeerstoren.outbound import Outbound
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

log = logging.getLogger(__name__)


def _is_due(source: PullSource, now: datetime) -> bool:
    if source.last_run_at is None:
        return True
    return source.last_run_at + timedelta(minutes=source.interval_minutes) <= now


def _claim(db: Database, source_id: int, now: datetime) -> PullSource | None:
    """Mark a due source as started; None when another process claimed it first."""
    with db.session() as session:
        source = session.get(PullSource, source_id)
        if source is None or not source.active or not _is_due(source, now):
            return None
        # Compare-and-set on last_run_at: with several app processes only one runs each pull.
        claimed = session.connection().execute(
            update(PullSource)
            .where(PullSource.id == source_id,
                   PullSource.last_run_at.is_(None) if source.last_run_at is None
                   else PullSource.last_run_at == source.last_run_at)
            .values(last_run_at=now)
        ).rowcount
        if claimed != 1:
            return None
        session.expunge(source)
        return source


def run_due_pulls(db: Database, now: datetime | None = None, *, outbound: Outbound,
                  fetcher: Fetcher | None = None) -> list[PullResult]:
    """Pull every active source whose interval has passed; one transaction per source."""
    now = now or utcnow()
    with db.session() as session:
        ids = [s.id for s in session.scalars(
            select(PullSource).where(PullSource.active.is_(True)).order_by(PullSource.id))
            if _is_due(s, now)]
    results: list[PullResult] = []
    for source_id in ids:
        source = _claim(db, source_id, now)
        if source is None:
            continue
        # Outside any transaction; each source with its own credential, if any.
        fetched = download(fetcher or http_fetcher(outbound, source.authorization), source.url)
        with db.session() as session:
            bind_actor(session, pull_actor(source))
            attached = session.get(PullSource, source_id)
            if attached is None:  # deleted while we fetched
                continue
            result = apply(session, attached, fetched, now)
        log.info("pull %s: ok=%s accepted=%s", source_id, result.ok, result.accepted)
        results.append(result)
    return results


async def run_forever(db: Database, outbound: Outbound, every_seconds: float = 60.0) -> None:
    """The app's background task: run due pulls every minute until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            # Pulls do blocking network and database I/O; keep them off the event loop.
            await asyncio.to_thread(run_due_pulls, db, outbound=outbound)
        except Exception:  # one bad pull round must not stop the scheduler
            log.exception("scheduled pull round failed")
