"""The region's clock: Dutch time for what people see and for calendar days.

Timestamps are stored and compared in UTC (storage.base.utcnow). But a day, a quarter or a
time on a page is the region's: between midnight and 01:00 (02:00 in summer) the UTC date is
still yesterday in the Netherlands.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

REGION_TZ = ZoneInfo("Europe/Amsterdam")


def today() -> date:
    """Today's date on the region's calendar."""
    return datetime.now(REGION_TZ).date()
