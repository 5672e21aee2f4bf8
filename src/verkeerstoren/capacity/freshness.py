"""When a figure is too old to trust (pure; no I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_timedelta


def age_hours(reported_at: datetime | None, now: datetime) -> float | None:
    if reported_at is None:
        return None
    return max(0.0, (now - reported_at).total_seconds() / 3600)


def is_stale(reported_at: datetime | None, max_age_hours: int, now: datetime) -> bool:
    """A bed type's figure older than its maximum report age (or never reported) is stale."""
    if reported_at is None:
        return True
    return now - reported_at > timedelta(hours=max_age_hours)


def age_text(reported_at: datetime | None, now: datetime, locale: str) -> str:
    """'3 uur geleden' / '3 hours ago'."""
    if reported_at is None:
        return "—"
    delta = reported_at - now
    if abs(delta) < timedelta(minutes=1):
        return "zojuist" if locale == "nl" else "just now"
    return format_timedelta(delta, add_direction=True, locale=locale, threshold=1.0)
