"""`verkeerstoren report --quarter 2026Q3`: write the progress report as HTML and PDF files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.kpi import periods
from verkeerstoren.reports import build, service
from verkeerstoren.storage import Database


def write_report(db: Database, quarter: str, output: Path, *, pdf: bool = True) -> list[Path]:
    """Write ``voortgangsrapportage-<quarter>.html`` (and ``.pdf``) into ``output``.

    When WeasyPrint cannot run, the HTML is still written and ReportUnavailable says why.
    """
    period = service.quarter(quarter)
    output.mkdir(parents=True, exist_ok=True)
    with db.session() as session:
        bind_actor(session, system_actor("cli report"))
        report = build.build(session, period, today=periods.today(), now=datetime.now(UTC))
        html = build.render_html(report)
        printable = build.render_html(report, for_pdf=True) if pdf else ""
    basename = f"voortgangsrapportage-{period.label}"
    html_path = output / f"{basename}.html"
    html_path.write_text(html, encoding="utf-8")
    written = [html_path]
    if pdf:
        pdf_path = output / f"{basename}.pdf"
        pdf_path.write_bytes(build.render_pdf(printable))  # ReportUnavailable propagates
        written.append(pdf_path)
    return written
