"""The quarterly progress report: HTML, PDF, CLI and a clear answer when PDF cannot be made."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.kpi.conftest import TODAY, ensure_kpi_demo
from verkeerstoren.access.actor import system_actor
from verkeerstoren.kpi.periods import parse_period
from verkeerstoren.reports import build, service


def test_the_html_report_has_every_section_in_dutch(session: Session) -> None:
    ensure_kpi_demo(session)
    made = service.make_report(session, system_actor(), parse_period("2026Q3"), pdf=False,
                               today=TODAY)
    for text in ("Voortgangsrapportage Q3 2026", "1. Samenvatting", "2. Doelen en indicatoren",
                 "3. Projecten", "Openstaande vervolgacties (PDCA)", "4. Bronnen",
                 "Gevraagde besluiten van de Regiegroep", "Nader in te vullen", "<svg"):
        assert text in made.html, text


def test_the_pdf_is_printed_from_the_same_report(session: Session) -> None:
    ensure_kpi_demo(session)
    made = service.make_report(session, system_actor(), parse_period("2026Q3"), pdf=True,
                               today=TODAY)
    assert made.pdf is not None
    assert made.pdf.startswith(b"%PDF")


def test_without_weasyprint_the_web_answers_with_a_message(
    session: Session, login: Callable[[str], Browser], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_weasyprint(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.raises(build.ReportUnavailable):
        build.render_pdf("<p>x</p>")
    answer = login("viewer").get("/reports/2026Q3.pdf")
    assert answer.status_code == 503
    assert "PDF niet beschikbaar" in answer.text


def test_the_report_page_offers_the_button_and_refuses_a_bad_quarter(
    login: Callable[[str], Browser]
) -> None:
    viewer = login("coordinator")
    page = viewer.get("/reports?quarter=2026Q3")
    assert "/reports/2026Q3.pdf" in page.text
    assert viewer.get("/reports/2026Q5.pdf").status_code in (404, 422)


def test_the_cli_writes_html_and_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    from verkeerstoren.cli import main

    monkeypatch.setenv("VERKEERSTOREN_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["report", "--quarter", "2026Q3", "--output",
                                       str(tmp_path), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "voortgangsrapportage-2026Q3.html").read_text().startswith("<!doctype")
    bad = CliRunner().invoke(main, ["report", "--quarter", "2026-07", "--output", str(tmp_path)])
    assert bad.exit_code != 0
    assert "2026Q3" in bad.output


def test_the_report_is_dated_on_the_dutch_calendar(session: Session) -> None:
    # Made at 23:30 UTC on 31 December: in the Netherlands it is already 1 January.
    import time_machine

    ensure_kpi_demo(session)
    with time_machine.travel("2026-12-31 23:30:00+00:00", tick=False):
        made = service.make_report(session, system_actor(), parse_period("2026Q3"), pdf=False,
                                   today=TODAY)
    assert "1 januari 2027" in made.html
    assert "31 december 2026" not in made.html


def test_the_demo_report_lists_the_admission_guarantee_off_track_with_its_rule(
    session: Session,
) -> None:
    """K7 has only a 2025 target; in 2026Q3 it still counts (issue 15 item 1)."""
    from verkeerstoren.kpi.dashboards import overview
    from verkeerstoren.kpi.status import Status

    ensure_kpi_demo(session)
    quarter = parse_period("2026Q3")
    k7 = next(v for v in overview(session, quarter, today=TODAY).all_indicators
              if v.indicator.code == "K7")
    assert k7.latest is not None
    assert k7.latest.value is not None
    assert k7.latest.value < 90
    assert k7.verdict.status is Status.OFF_TRACK
    made = service.make_report(session, system_actor(), quarter, pdf=False, today=TODAY)
    off_track = made.html.split("Binnen 24 uur geplaatst", 1)
    assert len(off_track) == 2
    assert "blijft gelden na dat jaar" in made.html  # the rule, in Dutch, beside the status
