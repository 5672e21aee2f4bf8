"""notify(): the stored notification, its webhook deliveries, its live event, its language."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.notifications.conftest import org_of
from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.notifications import service
from verkeerstoren.notifications.models import Notification, Webhook, WebhookDelivery
from verkeerstoren.storage import events
from verkeerstoren.web.i18n import catalogue, translator

PAYLOAD = {"unit": "Afdeling Zonnebloem", "bed_type": "ELV hoog complex",
           "hold_until": "14:30", "reservation_id": 12}


def _hook(session: Session, org_id: int, events: list[str], *, active: bool = True) -> Webhook:
    hook = Webhook(organisation_id=org_id, url="http://127.0.0.1:9/x", secret="s3cret",
                   events=events, active=active)
    session.add(hook)
    session.flush()
    return hook


def _deliveries(session: Session, hook: Webhook) -> list[WebhookDelivery]:
    return list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)))


def test_notify_stores_the_notification_and_queues_one_delivery_per_subscribed_active_webhook(
    session: Session,
) -> None:
    org = org_of(session, "provider")
    subscribed = _hook(session, org, ["reservation.new", "reservation.expired"])
    other_event = _hook(session, org, ["report.stale"])
    inactive = _hook(session, org, ["reservation.new"], active=False)
    title, body = service.MESSAGES["reservation.new"]

    created = service.notify(session, organisation_id=org, event="reservation.new", title=title,
                             body=body, link="/placement/reservations/12", payload=PAYLOAD)

    stored = session.get(Notification, created.id)
    assert stored is not None
    assert stored.read_at is None
    assert stored.organisation_id == org
    assert stored.params == PAYLOAD
    [delivery] = _deliveries(session, subscribed)
    assert delivery.status == "pending"
    assert delivery.attempts == 0
    document = json.loads(delivery.payload)
    assert document["event"] == "reservation.new"
    assert document["data"] == PAYLOAD
    assert document["title"] == "New reservation for Afdeling Zonnebloem"
    assert document["created_at"].startswith(str(created.created_at.date()))
    assert _deliveries(session, other_event) == []
    assert _deliveries(session, inactive) == []
    assert service.unread_count(session, org) >= 1


def test_the_text_is_translated_when_shown_so_each_reader_gets_his_own_language(
    session: Session,
) -> None:
    title, body = service.MESSAGES["reservation.declined"]
    created = service.notify(session, organisation_id=org_of(session, "coordinator"),
                             event="reservation.declined", title=title, body=body,
                             payload={"unit": "De Linde", "bed_type": "GRZ", "reason": "vol"})
    assert service.render(created.title, created.params, translator("nl")) == (
        "Reservering afgewezen door De Linde")
    assert service.render(created.body, created.params, translator("en")) == (
        "The provider declined the reservation (GRZ): vol")


def test_every_ready_made_message_has_a_dutch_translation_with_the_same_placeholders() -> None:
    dutch = catalogue("nl")
    for event, texts in service.MESSAGES.items():
        assert event in service.EVENTS
        for text in texts:
            assert text in dutch, text
            assert service.placeholders(dutch[text]) == service.placeholders(text), text


def test_a_provider_answering_a_reservation_can_notify_the_coordination_point(
    session: Session,
) -> None:
    """The provider's session only sees and writes its own rows, yet the decline it sends
    reaches the coordination point, webhooks included."""
    coordination = org_of(session, "coordinator")
    hook = _hook(session, coordination, ["reservation.declined"])
    provider = Actor(role=Role.PROVIDER, organisation_id=org_of(session, "provider"),
                     label="provider", user_id=999)
    saved = dict(session.info)
    bind_actor(session, provider, edit=True)
    try:
        title, body = service.MESSAGES["reservation.declined"]
        service.notify(session, organisation_id=coordination, event="reservation.declined",
                       title=title, body=body,
                       payload={"unit": "De Linde", "bed_type": "GRZ", "reason": "vol"})
        session.flush()
    finally:
        session.info.clear()
        session.info.update(saved)
    assert len(_deliveries(session, hook)) == 1


def test_notify_emits_a_live_event_for_the_organisation(session: Session) -> None:
    org = org_of(session, "provider")
    events.queued(session)
    title, body = service.MESSAGES["reservation.expired"]
    created = service.notify(session, organisation_id=org, event="reservation.expired",
                             title=title, body=body, payload={"unit": "A", "bed_type": "B"})
    assert {"type": "notification", "organisation_id": org, "event": "reservation.expired",
            "id": created.id} in events.queued(session)


@pytest.mark.parametrize(
    ("event", "title", "payload", "problem"),
    [
        ("reservation.unknown", "Hello", {}, "unknown notification event"),
        ("reservation.new", "New reservation for {unit}", {}, "placeholders"),
        ("reservation.new", "", {}, "title"),
    ],
)
def test_programming_mistakes_of_the_caller_fail_loudly(
    session: Session, event: str, title: str, payload: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        service.notify(session, organisation_id=org_of(session, "provider"), event=event,
                       title=title, body="", payload=payload)


def test_mark_read_touches_only_the_own_organisations_notifications(session: Session) -> None:
    own, other = org_of(session, "provider"), org_of(session, "provider2")
    title, body = service.MESSAGES["reservation.accepted"]
    params = {"unit": "A", "bed_type": "B"}
    mine = service.notify(session, organisation_id=own, event="reservation.accepted",
                          title=title, body=body, payload=params)
    theirs = service.notify(session, organisation_id=other, event="reservation.accepted",
                            title=title, body=body, payload=params)
    session.flush()
    before = service.unread_count(session, other)

    assert service.mark_read(session, own, [mine.id, theirs.id]) == 1
    session.expire_all()
    assert session.get(Notification, mine.id).read_at is not None  # type: ignore[union-attr]
    assert session.get(Notification, theirs.id).read_at is None  # type: ignore[union-attr]
    assert service.unread_count(session, other) == before
    assert [n.id for n in service.list_for(session, own)] == [
        n.id for n in service.list_for(session, own) if n.organisation_id == own]
    assert service.list_for(session, None) == []
