"""Who may see which placement request: one rule for the lists, the request page, the claim of
a reservation and the live events that tell open pages a request changed (issue 18).

The coordination point and the administrator act for the whole region and see every request;
a referrer (a GP practice, a hospital) sees only its own organisation's. The queries apply the
rule in SQL (``requests.visible``, ``holding``); the live events apply it to the event itself:
each names the request's referring organisation, so a stream decides without a query per event
and per open page, also when the event came from another app process (PostgreSQL NOTIFY).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Role
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.storage import events
from verkeerstoren.storage.events import Accepts

EVENT = "placement"
# The message key that names the referring organisation (small: it crosses NOTIFY).
ORGANISATION = "referrer_organisation_id"


def sees_all(actor: Actor) -> bool:
    """Whether the actor sees every organisation's requests; if not, only those referred by
    ``actor.organisation_id`` (none at all when that is None)."""
    return actor.role is not Role.REFERRER


def announce(session: Session, request: PlacementRequest) -> None:
    """Tell open pages, after the commit, that this request changed: its id and who referred it.

    Only ids: a page that hears of a change reloads what it may see (the page checks again).
    """
    events.emit(session, EVENT, request_id=request.id,
                **{ORGANISATION: request.referrer_organisation_id})


def _any_request(message: dict[str, Any]) -> bool:
    return message.get("type") == EVENT


@functools.cache
def _of_organisation(organisation_id: int) -> Accepts:
    # One function per organisation, shared by all its open pages: the event bus asks a shared
    # filter once per event, not once per stream. It must not raise (the bus would deliver).
    def accepts(message: dict[str, Any]) -> bool:
        return (message.get("type") == EVENT
                and message.get(ORGANISATION) == organisation_id)

    return accepts


def _nothing(message: dict[str, Any]) -> bool:
    return False


def hears(actor: Actor) -> Accepts:
    """The filter of an actor's live stream: events about the requests it may see.

    An event without the organisation (sent by an older app process, or cut short for being
    too long) reaches only those who see every request: a referrer is never told of a request
    it cannot open, at worst its page misses a change until it is reloaded.
    """
    if sees_all(actor):
        return _any_request
    if actor.organisation_id is None:
        return _nothing
    return _of_organisation(actor.organisation_id)
