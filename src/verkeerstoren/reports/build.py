"""The quarterly progress report (voortgangsrapportage, programme plan §9 and Bijlage II).

The report is one HTML document; the PDF is that document printed by WeasyPrint. Charts are
the indicator pages' Vega-Lite specs rendered to SVG by vl-convert, so the browser and the
paper show the same picture.
"""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from verkeerstoren.kpi import charts, dashboards, format, projects
from verkeerstoren.kpi.models import ProgressEntry, Project
from verkeerstoren.kpi.periods import Period
from verkeerstoren.kpi.seeds import GOOI, HAAGLANDEN, JAARPLAN, PROGRAMMAPLAN
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.web.i18n import translator

TEMPLATES = Path(__file__).parent / "templates"
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
DOCUMENTS = (PROGRAMMAPLAN, JAARPLAN, "Programmaplan Zoetermeer 2025, §9 en Bijlage II "
             "(voortgangsrapportage)", HAAGLANDEN, f"{GOOI}, hoofdstuk Monitoring")


class ReportUnavailable(Exception):
    """The PDF cannot be made on this machine (WeasyPrint or its libraries are missing)."""


@dataclass
class ProjectLine:
    """A project with its latest progress entry up to the report's quarter."""

    project: Project
    entry: ProgressEntry | None


@dataclass
class Report:
    """Everything the report template shows."""

    overview: dashboards.Overview
    generated: datetime
    charts: dict[int, str]
    projects: list[tuple[str, list[ProjectLine]]]
    rag: Counter[str] = field(default_factory=Counter)

    @property
    def quarter(self) -> Period:
        return self.overview.quarter

    @property
    def decisions(self) -> list[ProjectLine]:
        return [p for _line, items in self.projects for p in items
                if p.entry is not None and p.entry.decisions_needed]

    @property
    def sources(self) -> list[str]:
        found = sorted({v.indicator.source for v in self.overview.all_indicators
                        if v.indicator.source})
        return found


def _long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _svg(spec: dict[str, Any]) -> str:
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(spec, format_locale="nl-NL",
                                          time_format_locale="nl-NL")
    # Drop the XML prolog so the SVG can sit inline in the HTML document.
    return svg[svg.find("<svg"):]


def build(session: Session, quarter: Period, *, today: date, now: datetime) -> Report:
    """Gather the programme's state at the end of a quarter and draw one chart per indicator."""
    data = dashboards.overview(session, quarter, today=today)
    rendered = {
        v.indicator.id: _svg(charts.indicator_chart(v, width=440, height=120))
        for v in data.all_indicators if any(p.value is not None for p in v.series)
    }
    lines: list[tuple[str, list[ProjectLine]]] = []
    rag: Counter[str] = Counter()
    for line in data.lines:
        items = []
        for project in line.projects:
            entries = [e for e in project.progress if e.quarter <= quarter.label]
            entry = entries[-1] if entries else None
            if entry is not None and entry.quarter == quarter.label:
                rag[entry.status.value] += 1
            items.append(ProjectLine(project, entry))
        if items:
            lines.append((f"{line.line.name} ({line.line.programme})", items))
    return Report(data, now, rendered, lines, rag)


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    return env


def _png_uri(svg: str) -> str:
    import vl_convert

    png: bytes = vl_convert.svg_to_png(svg, scale=1.6)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(report: Report, *, locale: str = "nl", for_pdf: bool = False) -> str:
    """The report as one self-contained HTML document (styles and charts inline).

    For print the charts become PNG images of the same SVG: WeasyPrint lays out a picture far
    faster than hundreds of inline SVG elements, and at 1.6 times the size they stay sharp.
    """
    template = _environment().get_template("reports/report.html")
    images = {key: _png_uri(svg) for key, svg in report.charts.items()} if for_pdf else {}
    css = (TEMPLATES / "reports" / "report.css").read_text(encoding="utf-8")
    return template.render(
        r=report, data=report.overview, _=translator(locale), css=css, fmt=format.value,
        num=format.number, long_date=_long_date, phases=projects.PHASE_LABELS,
        documents=DOCUMENTS, locale=locale, images=images,
        region_tz=REGION_TZ)  # "made on" is the Dutch date, not the UTC one


def render_pdf(html: str) -> bytes:
    """Print the HTML report to PDF; raises ReportUnavailable when WeasyPrint cannot run."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # OSError: pango or cairo missing
        raise ReportUnavailable(f"WeasyPrint is not available: {exc}") from exc
    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
