"""Make the progress report for a quarter: the use case behind the web button and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import Forbidden, ValidationErrors, ValidationProblem
from verkeerstoren.kpi import periods
from verkeerstoren.kpi.models import Frequency
from verkeerstoren.kpi.periods import Period, parse_period
from verkeerstoren.reports import build


@dataclass(frozen=True)
class Made:
    """A rendered report: its HTML and, when asked for, its PDF."""

    quarter: Period
    html: str
    pdf: bytes | None

    @property
    def basename(self) -> str:
        return f"voortgangsrapportage-{self.quarter.label}"


def quarter(text: str) -> Period:
    """Parse a quarter such as 2026Q3; anything else is a validation problem."""
    try:
        period = parse_period(text)
    except ValueError:
        period = None
    if period is None or period.frequency is not Frequency.QUARTER:
        raise ValidationErrors([ValidationProblem("quarter", "Give a quarter like 2026Q3.")])
    return period


def make_report(
    session: Session, actor: Actor, period: Period, *, pdf: bool, today: date | None = None,
    locale: str = "nl",
) -> Made:
    """Build the report; ``pdf`` also prints it (raises build.ReportUnavailable if impossible)."""
    if not actor.can(Permission.KPI_VIEW):
        raise Forbidden("role may not read the progress report")
    report = build.build(session, period, today=today or periods.today(), now=datetime.now(UTC))
    html = build.render_html(report, locale=locale)
    printed = build.render_pdf(build.render_html(report, locale=locale, for_pdf=True)) if pdf \
        else None
    return Made(period, html, printed)
