"""API shapes of notifications and webhooks (inputs forbid unknown fields and are bounded)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2_147_483_647

EventName = Literal[
    "reservation.new",
    "reservation.expiring",
    "reservation.expired",
    "reservation.declined",
    "reservation.accepted",
    "reservation.cancelled",
    "request.placed",
    "report.stale",
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class NotificationOut(BaseModel):
    """One notification, its text in English with the values filled in."""

    id: int
    event: str
    title: str
    body: str
    link: str | None
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class UnreadOut(BaseModel):
    """The badge figure."""

    unread: int


class MarkReadIn(BaseModel):
    """Which notifications to mark read; leave ``ids`` out to mark all of them."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Id] | None = Field(default=None, max_length=200)


class MarkReadOut(BaseModel):
    """How many notifications were marked read."""

    marked: int


class WebhookIn(BaseModel):
    """A new webhook; administrators may register one for another organisation."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=500, examples=["https://example.org/hooks/vt"])
    events: list[EventName] = Field(min_length=1, max_length=20)
    organisation_id: Id | None = None


class WebhookOut(BaseModel):
    """A registered webhook (the secret is only returned when it is created)."""

    id: int
    organisation_id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    """The new webhook with its signing secret; store it now, it is not shown again."""

    secret: str


class AttemptOut(BaseModel):
    """One try to deliver."""

    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    """One event for one webhook, with every attempt."""

    id: int
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    log: list[AttemptOut]
