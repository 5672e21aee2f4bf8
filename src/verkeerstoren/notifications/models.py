"""In-app notifications, webhook subscriptions and their delivery log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from verkeerstoren.access.scoping import OrgOwned
from verkeerstoren.storage.base import PERSONAL, Base, UTCDateTime, utcnow


class Notification(OrgOwned, Base):
    """A message for the users of one organisation (e.g. a new reservation for its unit)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    event: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(1000))
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # title and body are English msgids; params fill their {placeholders} after translation,
    # so each reader sees the text in his or her own language.
    # May repeat free text (a decline reason): PERSONAL, so the audit log does not copy it; the
    # retention purge deletes the notifications about a purged request's reservations.
    params: Mapped[dict[str, object] | None] = mapped_column(JSON, info=PERSONAL)
    # The reservation the notification is about (new, expiring, answered...), if any: once
    # the provider answers, its notifications about that reservation are marked read.
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservation.id"))

    __table_args__ = (Index("ix_notification_org_read", "organisation_id", "read_at"),
                      Index("ix_notification_reservation", "reservation_id"))

    @property
    def scope_owner_id(self) -> int | None:
        """Not guarded on flush: any actor's action may notify another organisation (a
        provider's decline notifies the coordination point); reads stay scoped in the service."""
        return None


class Webhook(OrgOwned, Base):
    """An organisation's URL that receives HMAC-signed event posts."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One event to deliver to one webhook, retried with backoff until it succeeds or gives up."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    # The notification's text and params (see Notification.params); deleted by the retention
    # purge once the delivery is finished and older than the retention period.
    payload: Mapped[str] = mapped_column(Text, info=PERSONAL)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)


class WebhookAttempt(Base):
    """One try to deliver: the delivery log shown per webhook."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
