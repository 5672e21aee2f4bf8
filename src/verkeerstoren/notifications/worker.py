"""The background worker: posts due webhook deliveries every few seconds and reminds providers of
stale reports every few minutes (app lifespan task; ``verkeerstoren deliver-webhooks`` runs one
round from the command line)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from verkeerstoren.background import Job
from verkeerstoren.notifications.delivery import DeliveryRun, deliver_due
from verkeerstoren.notifications.reminders import remind_stale
from verkeerstoren.outbound import Outbound
from verkeerstoren.settings import Environment, Settings
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

log = logging.getLogger(__name__)

DELIVERY_EVERY_SECONDS = 10.0
REMIND_EVERY_SECONDS = 300.0


@dataclass(frozen=True)
class RoundResult:
    """What one round of the worker did."""

    deliveries: DeliveryRun
    reminded: int | None  # None when reminders were not due this round


def run_round(db: Database, *, outbound: Outbound, remind: bool = True) -> RoundResult:
    """One round: post every due delivery, then (optionally) send stale-report reminders."""
    deliveries = deliver_due(db, utcnow(), outbound=outbound)
    reminded = remind_stale(db, utcnow()) if remind else None
    return RoundResult(deliveries, reminded)


async def run_forever(db: Database, outbound: Outbound,
                      every_seconds: float = DELIVERY_EVERY_SECONDS,
                      remind_every_seconds: float = REMIND_EVERY_SECONDS) -> None:
    """Run rounds until cancelled; a failing round is logged and the next one tried."""
    last_remind = float("-inf")
    while True:
        remind = time.monotonic() - last_remind >= remind_every_seconds
        try:
            # Posting and the database are blocking I/O; keep them off the event loop.
            await asyncio.to_thread(run_round, db, outbound=outbound, remind=remind)
            if remind:
                last_remind = time.monotonic()
        except Exception:
            log.exception("notification worker round failed")
        await asyncio.sleep(every_seconds)


# The handle every background job of the server shares.
Worker = Job


def start_worker(db: Database, settings: Settings, *, enabled: bool | None = None) -> Worker:
    """Start the worker on the running event loop; off in the test environment (tests run rounds
    themselves) unless ``enabled`` says otherwise."""
    if enabled is None:
        enabled = settings.environment is not Environment.TEST
    if not enabled:
        return Worker(None)
    return Job.start("notification-worker", run_forever(db, settings.outbound))
