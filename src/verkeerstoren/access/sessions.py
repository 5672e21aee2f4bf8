"""Server-side login sessions: the cookie names a session, the database says whether it lives.

Rows are written with Core statements, not the ORM: the audit log records logins and logouts
as such, and a session's secret digest or a "last seen" tick every minute is not worth an
audit entry each.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from verkeerstoren.access.models import User, UserSession
from verkeerstoren.storage.base import utcnow

# "Last seen" is for people reading the table; a minute is fine enough, and saves a write on
# almost every request.
TOUCH_EVERY = timedelta(minutes=1)
# Longer than any allowed session_max_age_hours (30 days): older rows are dead either way.
KEEP = timedelta(days=31)


def _digest(secret: str) -> str:
    # The secret is 256 random bits, so a plain SHA-256 suffices; a copy of the table holds no
    # usable session.
    return hashlib.sha256(secret.encode()).hexdigest()


def start(session: Session, user: User, ip: str | None) -> str:
    """Open a session for ``user``; returns the secret the cookie must carry."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    # Each login drops the user's long-dead sessions, so the table does not grow for ever.
    session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                              UserSession.created_at < now - KEEP))
    session.execute(insert(UserSession).values(
        id=_digest(secret), user_id=user.id, created_at=now, last_seen_at=now, ip=ip))
    return secret


def resolve(
    session: Session, secret: str, max_age: timedelta, *, touch: bool = True
) -> User | None:
    """The active user of a live session, or None when it ended, is too old or is unknown."""
    now = utcnow()
    row = session.execute(
        select(UserSession.id, UserSession.last_seen_at, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == _digest(secret), UserSession.ended_at.is_(None),
               UserSession.created_at > now - max_age)
    ).first()
    if row is None or not row.User.active:
        return None
    if touch and row.last_seen_at < now - TOUCH_EVERY:
        session.execute(update(UserSession).where(UserSession.id == row.id)
                        .values(last_seen_at=now))
    user: User = row.User
    return user


def end(session: Session, secret: str) -> None:
    """Log out: the cookie's session stops working at once, in every process."""
    session.execute(update(UserSession)
                    .where(UserSession.id == _digest(secret), UserSession.ended_at.is_(None))
                    .values(ended_at=utcnow()))


def end_all(session: Session, user_id: int) -> int:
    """End every live session of a user (password reset, deactivation); returns how many."""
    result = session.execute(update(UserSession)
                             .where(UserSession.user_id == user_id,
                                    UserSession.ended_at.is_(None))
                             .values(ended_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
