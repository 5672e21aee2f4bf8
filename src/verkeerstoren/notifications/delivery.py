"""Posting queued webhook deliveries: HMAC signature, retries with exponential backoff, attempt log.

The worker claims due deliveries in one short transaction (pushing their next attempt a lease
ahead, so another app process or a crashed worker cannot post them twice at once), posts them
outside any transaction, and records every attempt in a second short transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from verkeerstoren import __version__
from verkeerstoren.notifications.models import Webhook, WebhookAttempt, WebhookDelivery
from verkeerstoren.outbound import Outbound, RefusedAddress
from verkeerstoren.storage import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
TIMEOUT_SECONDS = 10.0
# Longer than one post can take, so a claim only lapses when its worker died.
LEASE = timedelta(minutes=2)
BATCH = 100
PARALLEL_POSTS = 8
SIGNATURE_TOLERANCE_SECONDS = 300

HEADER_EVENT = "X-Verkeerstoren-Event"
HEADER_DELIVERY = "X-Verkeerstoren-Delivery"
HEADER_TIMESTAMP = "X-Verkeerstoren-Timestamp"
HEADER_SIGNATURE = "X-Verkeerstoren-Signature"


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4, … minutes."""
    factor: int = 2 ** max(0, attempts - 1)
    return FIRST_RETRY * factor


def signed_content(timestamp: int, body: bytes) -> bytes:
    """What the signature covers: the timestamp, a dot, and the raw body."""
    return str(timestamp).encode("ascii") + b"." + body


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 of timestamp.body>``."""
    digest = hmac.new(secret.encode("utf-8"), signed_content(timestamp, body), hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *,
           now: float | None = None, tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """A receiver's check (reference implementation for docs/webhooks.md and the tests)."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


@dataclass(frozen=True)
class Job:
    """A claimed delivery, detached from the database while it is posted."""

    delivery_id: int
    url: str
    secret: str
    event: str
    payload: str


@dataclass(frozen=True)
class Outcome:
    """The result of one post."""

    job: Job
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and (
            200 <= self.status_code < 300)


@dataclass
class DeliveryRun:
    """What one run of the worker did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


def _claim(db: Database, now: datetime, limit: int) -> list[Job]:
    with db.session() as session:
        stmt = (
            select(WebhookDelivery, Webhook)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        if not db.is_sqlite:  # SQLite serialises writers with BEGIN IMMEDIATE already
            stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
        jobs: list[Job] = []
        for delivery, hook in session.execute(stmt).all():
            if not hook.active:
                delivery.status = "failed"
                delivery.last_error = "webhook is not active"
                continue
            delivery.next_attempt_at = now + LEASE
            jobs.append(Job(delivery.id, hook.url, hook.secret, delivery.event,
                            delivery.payload))
        return jobs


def post(job: Job, client: httpx.Client) -> Outcome:
    """Post one signed delivery; any answer other than 2xx (redirects too) is a failure."""
    body = job.payload.encode("utf-8")
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Verkeerstoren-Webhooks/{__version__}",
        HEADER_EVENT: job.event,
        HEADER_DELIVERY: str(job.delivery_id),
        HEADER_TIMESTAMP: str(stamp),
        HEADER_SIGNATURE: sign(job.secret, stamp, body),
    }
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    try:
        # stream: the answer's body is never read, so a huge reply costs nothing.
        with client.stream("POST", job.url, content=body, headers=headers) as response:
            status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except RefusedAddress as refused:
        error = f"refused: {refused}"
    except httpx.TimeoutException:
        error = f"no answer within {TIMEOUT_SECONDS:.0f} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    elapsed = int((time.perf_counter() - started) * 1000)
    return Outcome(job, status, error, elapsed)


def _post_all(jobs: list[Job], outbound: Outbound) -> list[Outcome]:
    if not jobs:
        return []
    # Every connection is checked against the policy when it is made (internal addresses).
    with outbound.client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        if len(jobs) == 1:
            return [post(jobs[0], client)]
        with ThreadPoolExecutor(max_workers=min(PARALLEL_POSTS, len(jobs))) as pool:
            return list(pool.map(lambda job: post(job, client), jobs))


def _record(db: Database, outcomes: list[Outcome], now: datetime) -> DeliveryRun:
    run = DeliveryRun()
    with db.session() as session:
        for outcome in outcomes:
            delivery = session.get(WebhookDelivery, outcome.job.delivery_id)
            if delivery is None:  # the webhook was removed while we posted
                continue
            delivery.attempts += 1
            delivery.last_status_code = outcome.status_code
            delivery.last_error = outcome.error
            session.add(WebhookAttempt(
                delivery_id=delivery.id, attempted_at=now, status_code=outcome.status_code,
                error=outcome.error, duration_ms=outcome.duration_ms))
            if outcome.ok:
                delivery.status = "delivered"
                delivery.delivered_at = now
                run.delivered += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
                run.failed += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                run.retrying += 1
    return run


def deliver_due(db: Database, now: datetime, *, outbound: Outbound,
                limit: int = BATCH) -> DeliveryRun:
    """Post every delivery that is due at ``now`` (up to ``limit``) and record the attempts.

    ``outbound`` refuses connections to internal addresses (the attempt fails with the reason).
    """
    jobs = _claim(db, now, limit)
    outcomes = _post_all(jobs, outbound)
    run = _record(db, outcomes, now)
    if run.attempted:
        log.info("webhooks: %s delivered, %s to retry, %s failed",
                 run.delivered, run.retrying, run.failed)
    return run
