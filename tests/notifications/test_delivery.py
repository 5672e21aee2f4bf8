"""Webhook delivery against a real HTTP server on 127.0.0.1: signature, retries, backoff, log."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import LOCAL
from tests.notifications.conftest import Receiver, org_of
from verkeerstoren.access.actor import system_actor
from verkeerstoren.notifications import delivery, service, webhooks
from verkeerstoren.notifications.models import Webhook, WebhookAttempt, WebhookDelivery
from verkeerstoren.outbound import Outbound
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

PAYLOAD = {"unit": "Afdeling Zonnebloem", "bed_type": "GRZ", "hold_until": "14:30"}


def _queue(session: Session, url: str) -> tuple[Webhook, str, WebhookDelivery]:
    org = org_of(session, "provider")
    registered = webhooks.register(session, system_actor(), url=url, events=["reservation.new"],
                                   organisation_id=org, outbound=LOCAL)
    title, body = service.MESSAGES["reservation.new"]
    service.notify(session, organisation_id=org, event="reservation.new", title=title,
                   body=body, payload=PAYLOAD)
    session.flush()
    queued = session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.webhook_id == registered.webhook.id))
    assert queued is not None
    return registered.webhook, registered.secret, queued


def _reload(session: Session, queued: WebhookDelivery) -> WebhookDelivery:
    session.expire_all()
    fresh = session.get(WebhookDelivery, queued.id)
    assert fresh is not None
    return fresh


def test_a_delivery_is_signed_with_the_webhook_secret_over_timestamp_and_raw_body(
    session: Session, db: Database, receiver: Receiver
) -> None:
    receiver.statuses = [204]
    _, secret, queued = _queue(session, receiver.url)

    run = delivery.deliver_due(db, utcnow(), outbound=LOCAL)

    assert run.delivered == 1
    [got] = receiver.requests
    assert got.headers["x-verkeerstoren-event"] == "reservation.new"
    assert got.headers["x-verkeerstoren-delivery"] == str(queued.id)
    assert got.headers["content-type"] == "application/json"
    stamp = got.headers["x-verkeerstoren-timestamp"]
    signature = got.headers["x-verkeerstoren-signature"]
    assert delivery.verify(secret, stamp, got.body, signature)
    assert signature == delivery.sign(secret, int(stamp), got.body)
    assert not delivery.verify("another-secret", stamp, got.body, signature)
    assert not delivery.verify(secret, stamp, got.body + b" ", signature)
    assert not delivery.verify(secret, str(int(stamp) - 3600), got.body, signature)
    assert json.loads(got.body)["data"] == PAYLOAD
    assert _reload(session, queued).status == "delivered"


def test_a_failed_delivery_is_retried_after_a_minute_and_then_delivered(
    session: Session, db: Database, receiver: Receiver
) -> None:
    _, _, queued = _queue(session, receiver.url)
    start = utcnow()

    first = delivery.deliver_due(db, start, outbound=LOCAL)
    assert (first.delivered, first.retrying) == (0, 1)
    failed = _reload(session, queued)
    assert failed.status == "pending"
    assert failed.attempts == 1
    assert failed.last_status_code == 500
    assert failed.last_error == "HTTP 500"
    assert failed.next_attempt_at == start + timedelta(minutes=1)

    assert delivery.deliver_due(db, start + timedelta(seconds=59), outbound=LOCAL).attempted == 0
    second = delivery.deliver_due(db, start + timedelta(minutes=1), outbound=LOCAL)
    assert second.delivered == 1

    done = _reload(session, queued)
    assert done.status == "delivered"
    assert done.attempts == 2
    assert done.last_status_code == 200
    log = session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == queued.id)
                          .order_by(WebhookAttempt.id)).all()
    assert [a.status_code for a in log] == [500, 200]
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body


def test_backoff_doubles_and_the_delivery_gives_up_after_eight_attempts(
    session: Session, db: Database, receiver: Receiver
) -> None:
    receiver.statuses = [503]
    _, _, queued = _queue(session, receiver.url)
    now = utcnow()
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_due(db, now, outbound=LOCAL)
        current = _reload(session, queued)
        if current.status == "failed":
            break
        waits.append(current.next_attempt_at - now)
        now = current.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64)]
    final = _reload(session, queued)
    assert final.status == "failed"
    assert final.attempts == delivery.MAX_ATTEMPTS
    assert len(receiver.requests) == delivery.MAX_ATTEMPTS
    assert delivery.deliver_due(db, now + timedelta(days=1), outbound=LOCAL).attempted == 0


def test_an_unreachable_address_is_logged_as_an_error_and_retried(
    session: Session, db: Database
) -> None:
    # Port 9 (discard) on the loopback: nothing listens there, the connection is refused.
    _, _, queued = _queue(session, "http://127.0.0.1:9/nothing-here")
    run = delivery.deliver_due(db, utcnow(), outbound=LOCAL)
    assert run.retrying == 1
    current = _reload(session, queued)
    assert current.last_status_code is None
    assert current.last_error
    assert "ConnectError" in current.last_error


def test_a_delivery_to_an_internal_address_is_refused_when_posted(
    session: Session, db: Database, receiver: Receiver
) -> None:
    """Registered while allowed (or while its name pointed elsewhere): refused at delivery."""
    receiver.statuses = [200]
    _, _, queued = _queue(session, receiver.url)

    run = delivery.deliver_due(db, utcnow(), outbound=Outbound())

    assert run.retrying == 1
    assert receiver.requests == []
    current = _reload(session, queued)
    assert current.last_error == "refused: 127.0.0.1 resolves to internal address 127.0.0.1"
