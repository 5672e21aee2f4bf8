"""Login rate limits: failed logins per account and per address, counted in the database.

Counting in the database makes the limits hold across every process that serves the app. The
window slides: an address or account is let in again as soon as enough of its failures are
older than the window, so nobody is locked out for good, and refused attempts do not count
(hammering does not prolong the wait). A successful login forgets the account's failures,
not the address's (one known password must not reset the counter for guessing others).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, insert, select, text
from sqlalchemy.orm import Session

from verkeerstoren.access.models import LoginAttempt
from verkeerstoren.errors import DomainError
from verkeerstoren.storage.base import is_postgresql, utcnow

# PostgreSQL advisory lock namespace (two-key form) for one account's logins.
_LOCK_KEY = 4_290


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_address: int
    window: timedelta


class TooManyAttempts(DomainError):
    """Too many failed logins for the account or the address; try again after retry_after s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; retry after {retry_after} s")
        self.retry_after = retry_after


def _wait(session: Session, where: ColumnElement[bool], limit: int, window: timedelta,
          now: datetime) -> float:
    """Seconds until fewer than ``limit`` failures matching ``where`` lie inside the window."""
    times = list(session.scalars(
        select(LoginAttempt.at).where(where, LoginAttempt.at > now - window)
        .order_by(LoginAttempt.at.desc()).limit(limit)
    ))
    if len(times) < limit:
        return 0.0
    # The oldest of the newest ``limit`` failures: when it leaves the window, one try is free.
    return (times[-1] + window - now).total_seconds()


def check(session: Session, email: str, ip: str | None, limits: LoginLimits) -> None:
    """Raise TooManyAttempts when the account or the address has used up its failures.

    On PostgreSQL the account's logins queue on an advisory lock until the commit, so that
    parallel guesses at one account (from any process) cannot all pass the count at once.
    """
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key, :account)"),
                        {"key": _LOCK_KEY, "account": zlib.crc32(email.encode()) - 2**31})
    now = utcnow()
    wait = _wait(session, LoginAttempt.email == email, limits.per_account, limits.window, now)
    if ip is not None:
        wait = max(wait, _wait(session, LoginAttempt.ip == ip, limits.per_address,
                               limits.window, now))
    if wait > 0:
        raise TooManyAttempts(max(1, math.ceil(wait)))


def record_failure(session: Session, email: str, ip: str | None, limits: LoginLimits) -> None:
    """Count a failed login; failures that no longer count anywhere are dropped."""
    now = utcnow()
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - limits.window))
    session.execute(insert(LoginAttempt).values(email=email[:254], ip=ip, at=now))


def forget_account(session: Session, email: str) -> None:
    """A successful login resets the account's counter."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
