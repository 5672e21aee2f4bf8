"""Issue 15, definition of done: the 2026Q3 report of the demo lists K7 off track with its rule,
shows the real RIVM, Vektis and NZa figures where they exist (with their source line), marks the
invented values, names the region's own working agreements, and shows no KPI as "Geen gegevens"
while it has a value."""

from __future__ import annotations

import csv
import html
import re

from sqlalchemy.orm import Session

from tests.kpi.conftest import TODAY, ensure_kpi_demo
from tests.opendata.fixtures import DATA_DIR, load_region
from verkeerstoren.access.actor import system_actor
from verkeerstoren.kpi import sources
from verkeerstoren.kpi.periods import parse_period
from verkeerstoren.reports import service


def _blocks(page: str) -> dict[str, str]:
    """Indicator code → the text of its card in chapter 2."""
    found = {}
    for part in page.split('<div class="indicator">')[1:]:
        text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part[:4000])))
        code = re.search(r"\b([A-Z]\d) · ", text)
        assert code, text[:200]
        found[code.group(1)] = text
    return found


def _report(session: Session) -> str:
    ensure_kpi_demo(session)
    load_region(session)
    sources.refresh(session, system_actor("test"), today=TODAY)
    made = service.make_report(session, system_actor(), parse_period("2026Q3"), pdf=False,
                               today=TODAY)
    return made.html


def _raw_rivm(year: int) -> str:
    path = DATA_DIR / "rivm_gezondheid_wijk_buurt_2016_2020" / \
        f"gezondheid_wijk_buurt_{year}_18plus.csv"
    with path.open(encoding="utf-8-sig") as handle:
        row = next(r for r in csv.DictReader(handle) if r["WijkenEnBuurten"].strip() == "GM0637")
    return row["ErvarenGezondheidGoedZeerGoed_4"].replace(".", ",")


def test_the_2026q3_report_tells_the_truth(session: Session) -> None:
    page = _report(session)
    blocks = _blocks(page)
    # K7 off track, its rule beside it, in the summary's off-track table.
    summary = page.split("2. Doelen en indicatoren", 1)[0]
    assert "Binnen 24 uur geplaatst" in summary
    assert "blijft gelden na dat jaar" in summary
    assert blocks["K7"].startswith(" Uit koers")
    assert "Een 100% opnamegarantie is hierbij het streven" in blocks["K7"]
    # Real figures with their source line.
    g1 = blocks["G1"]
    assert f"{_raw_rivm(2020)}%" in g1
    assert "Bron: " in g1
    assert "gezondheid_wijk_buurt_2020_18plus.csv" in g1
    assert "verzonnen" not in g1
    assert "category_breakdown_all_municipalities.csv" in blocks["C6"]
    assert "municipality_benchmark.csv" in blocks["C2"]
    assert "NZa" in blocks["H3"]
    # Invented values are marked as invented.
    assert "verzonnen demowaarde" in blocks["H1"]
    # "Geen gegevens" only where there is no measurement at all.
    for code, text in blocks.items():
        if text.startswith(" Geen gegevens"):
            assert "geen meting" in text, code
    assert "werkafspraken van de regio zelf" in page
    assert "K5 (2025)" in page
