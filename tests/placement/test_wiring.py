"""Placement tells whoever subscribed about holds; notifications subscribe and keep a reference.

Placement imports nothing of notifications (the import graph shows every dependency), and a
notification about a reservation points at it with a foreign key, so answering a reservation
marks exactly its notifications read: not matched by link text.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.placement.conftest import hold_free_bed, user_actor
from verkeerstoren.notifications import service as notifications
from verkeerstoren.notifications.models import Notification
from verkeerstoren.placement import events, service
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.registry.models import UnitBedType

PLACEMENT = Path(__file__).resolve().parents[2] / "src" / "verkeerstoren" / "placement"


def test_placement_does_not_reach_for_notifications() -> None:
    for path in PLACEMENT.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert "notifications" not in (node.module or ""), path.name
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                assert name != "import_module", path.name


def test_every_notification_about_a_hold_refers_to_its_reservation(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    reservation = hold_free_bed(session, make_request, one_free_bed)
    service.decline(session, user_actor(session, "provider"), reservation.id, "Vol")
    session.flush()
    about = session.scalars(select(Notification).where(
        Notification.reservation_id == reservation.id)).all()
    assert {(n.event, n.organisation_id) for n in about} == {
        ("reservation.new", reservation.organisation_id),
        ("reservation.declined", reservation.request.referrer_organisation_id)}


def test_answering_marks_read_what_refers_to_the_reservation_not_what_shares_its_link(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    reservation = hold_free_bed(session, make_request, one_free_bed)
    provider = reservation.organisation_id
    link = f"/placement/incoming#reservation-{reservation.id}"
    title, body = notifications.MESSAGES["reservation.new"]
    payload = {"unit": "x", "bed_type": "y", "hold_until": "z"}
    elsewhere = notifications.notify(session, organisation_id=provider, event="reservation.new",
                                     title=title, body=body, link="/placement/incoming",
                                     payload=payload, reservation_id=reservation.id)
    same_link = notifications.notify(session, organisation_id=provider, event="reservation.new",
                                     title=title, body=body, link=link, payload=payload)
    service.accept(session, user_actor(session, "provider"), reservation.id)
    session.flush()
    session.expire_all()
    assert elsewhere.read_at is not None
    assert same_link.read_at is None


def test_a_subscriber_hears_each_change_in_the_transaction(
    session: Session, make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType,
) -> None:
    heard: list[tuple[events.HoldChange, int, str | None]] = []
    factory_info = session.info
    listeners = factory_info[events._KEY]
    listeners.append(lambda _s, e: heard.append((e.change, e.reservation.id, e.reason)))
    try:
        reservation = hold_free_bed(session, make_request, one_free_bed)
        service.cancel(session, user_actor(session, "coordinator"), reservation.id, "Familie")
    finally:
        listeners.pop()
    assert heard == [(events.HoldChange.MADE, reservation.id, None),
                     (events.HoldChange.CANCELLED, reservation.id, "Familie")]
