"""What happens to a hold, told to whoever subscribed (notifications), inside the transaction.

Placement does not know who listens: a capability that wants to act on a hold (notifications
tells the provider and the requester) subscribes a listener on the session factory, once, when
the database handle is set up (``runtime.install_hooks``). Listeners run synchronously in the
transaction that changed the hold, so a notification is stored, or rolled back, with the change.
``storage.events`` is the other kind: live events sent only after the commit, for pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

from verkeerstoren.placement.models import Reservation

_KEY = "vt_hold_listeners"


class HoldChange(StrEnum):
    """The steps of a hold's life that others may want to hear of."""

    MADE = "made"  # the coordinator reserved a bed
    EXPIRING = "expiring"  # nobody answered; the hold ends soon
    ACCEPTED = "accepted"  # the provider accepted: the patient is placed
    DECLINED = "declined"  # the provider declined, with a reason
    CANCELLED = "cancelled"  # the coordinator withdrew it (or closed or cancelled the request)
    EXPIRED = "expired"  # nobody answered in time; the bed went back


@dataclass(frozen=True, slots=True)
class HoldEvent:
    change: HoldChange
    reservation: Reservation
    reason: str | None = None


Listener = Callable[[Session, HoldEvent], None]


def subscribe(factory: sessionmaker[Session], listener: Listener) -> None:
    """Call ``listener`` for every hold event in the sessions of ``factory`` (once per listener).

    Kept in the factory's ``info``, which every new session copies: each database handle has
    its own listeners and nothing is registered process-wide.
    """
    info: dict[str, object] = factory.kw.setdefault("info", {})
    listeners = info.setdefault(_KEY, [])
    assert isinstance(listeners, list)
    if listener not in listeners:
        listeners.append(listener)


def publish(session: Session, change: HoldChange, reservation: Reservation,
            reason: str | None = None) -> None:
    """Tell every subscriber, now, in this transaction."""
    event = HoldEvent(change, reservation, reason)
    for listener in session.info.get(_KEY, ()):
        listener(session, event)
