"""Reporting periods: a year (2026), a quarter (2026Q3) or a month (2026-07)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from verkeerstoren.kpi.models import Frequency
from verkeerstoren.region_time import today as today  # quarters turn at Dutch midnight

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period with its first and last day (inclusive)."""

    start: date
    end: date
    label: str
    frequency: Frequency

    @property
    def year(self) -> int:
        return self.start.year


def _last_day(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str) -> Period:
    """Parse a period label; raises ValueError with a Dutch-translatable English reason."""
    raw = text.strip()
    found = re.match(r"^(\d{4})", raw)
    # Checked before any date is built: date(0, 1, 1) would raise a different error.
    if found is None or not MIN_YEAR <= int(found.group(1)) <= MAX_YEAR:
        raise ValueError("unknown period")
    if match := _YEAR.match(raw):
        year = int(match.group(1))
        period = Period(date(year, 1, 1), date(year, 12, 31), str(year), Frequency.YEAR)
    elif match := _QUARTER.match(raw):
        year, quarter = int(match.group(1)), int(match.group(2))
        first = 3 * quarter - 2
        period = Period(date(year, first, 1), _last_day(year, first + 2), f"{year}Q{quarter}",
                        Frequency.QUARTER)
    elif match := _MONTH.match(raw):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError("unknown period")
        period = Period(date(year, month, 1), _last_day(year, month), f"{year}-{month:02d}",
                        Frequency.MONTH)
    else:
        raise ValueError("unknown period")
    if not MIN_YEAR <= period.year <= MAX_YEAR:
        raise ValueError("unknown period")
    return period


def quarter_of(day: date) -> Period:
    """The quarter a day falls in."""
    return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def previous_quarter(period: Period) -> Period:
    """The quarter before a quarter."""
    return quarter_of(period.start - timedelta(days=1))


def last_complete_quarter(today: date) -> Period:
    """The most recent quarter that has ended before today."""
    return previous_quarter(quarter_of(today))


def quarters_back(last: Period, count: int) -> list[Period]:
    """``count`` quarters ending with ``last``, oldest first."""
    periods = [last]
    while len(periods) < count:
        periods.append(previous_quarter(periods[-1]))
    return list(reversed(periods))
