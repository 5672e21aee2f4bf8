"""The server's periodic audit checkpoint: every ``audit_checkpoint_seconds`` it appends a
signed checkpoint (audit.checkpoint) to ``audit_checkpoint_file``, writes it to the log and,
when ``audit_checkpoint_webhook`` is set, posts it there, so copies live outside the database.
"""

from __future__ import annotations

import asyncio
import logging
import os

import httpx

from verkeerstoren import __version__
from verkeerstoren.audit.checkpoint import Checkpoint, signing_key, take, to_line
from verkeerstoren.background import Job, make_visible
from verkeerstoren.outbound import RefusedAddress
from verkeerstoren.settings import Environment, Settings
from verkeerstoren.storage import Database
from verkeerstoren.storage.db import read_only_session
from verkeerstoren.storage.leader import Leader

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0


def write_checkpoint(db: Database, settings: Settings) -> Checkpoint:
    """Take one checkpoint and put it in the file, the log and the webhook (if any)."""
    with db.session() as session:
        read_only_session(session)  # SQLite: a reader that does not hold up the writers
        checkpoint = take(session)
    line = to_line(checkpoint, signing_key(settings))
    path = settings.audit_checkpoint_file
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())  # a checkpoint that a crash can undo anchors nothing
    log.info("audit checkpoint %s", line)
    if settings.audit_checkpoint_webhook:
        _post(settings, line)
    return checkpoint


def _post(settings: Settings, line: str) -> None:
    # The file and the log already hold the checkpoint: a failed post is reported, not retried.
    headers = {"Content-Type": "application/json",
               "User-Agent": f"Verkeerstoren-Audit/{__version__}"}
    try:
        with settings.outbound.client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            answer = client.post(settings.audit_checkpoint_webhook, content=line.encode(),
                                 headers=headers)
        if not answer.is_success:
            log.warning("audit checkpoint webhook answered HTTP %s", answer.status_code)
    except (RefusedAddress, httpx.HTTPError) as exc:
        log.warning("audit checkpoint webhook failed: %s", exc)


# The advisory lock whose holder writes the checkpoints when several processes serve.
LEADER_LOCK_KEY = 7_513_001


async def run_forever(db: Database, settings: Settings) -> None:
    """Write a checkpoint at once and then every interval, until cancelled.

    On PostgreSQL only one of the app processes writes them (``storage.leader``): one
    checkpoint per interval, and another process takes over when that one dies."""
    leader = None if db.is_sqlite else Leader(db.libpq_url, LEADER_LOCK_KEY)
    try:
        while True:
            try:
                if leader is None or await asyncio.to_thread(leader.acquired):
                    await asyncio.to_thread(write_checkpoint, db, settings)
            except Exception:
                log.exception("audit checkpoint failed")
            await asyncio.sleep(settings.audit_checkpoint_seconds)
    finally:
        if leader is not None:
            leader.release()


def start_checkpoints(db: Database, settings: Settings) -> Job:
    """Start the task on the running loop; off when the interval is 0 and in the test
    environment (tests write checkpoints themselves)."""
    if settings.audit_checkpoint_seconds == 0 or settings.environment is Environment.TEST:
        return Job()
    make_visible(log)
    return Job.start("audit-checkpoint", run_forever(db, settings))
