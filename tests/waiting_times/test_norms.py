"""Waits are judged against the Treeknormen, which carry their source."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.waiting_times import norms
from verkeerstoren.waiting_times.models import WaitKind
from verkeerstoren.waiting_times.norms import Status


def test_the_ggz_treeknormen_are_four_and_ten_weeks_with_the_nza_rule_cited(
        session: Session) -> None:
    rules = norms.load(session)
    intake = norms.norm_for(rules, "ggz", WaitKind.INTAKE, "Angststoornissen")
    treatment = norms.norm_for(rules, "ggz", WaitKind.TREATMENT, "")
    assert intake is not None
    assert treatment is not None
    assert (intake.max_weeks, treatment.max_weeks) == (4, 10)
    assert "NR/REG-2219a" in intake.source
    assert {n.sector for n in rules} == {"ggz", "msz", "wijkverpleging", "ouderenzorg"}


def test_status_is_over_when_any_wait_exceeds_its_norm(session: Session) -> None:
    rules = norms.load(session)
    assert norms.status(rules, "ggz", "x", 4, 10) is Status.WITHIN
    assert norms.status(rules, "ggz", "x", 4.5, 2) is Status.OVER
    # NZa: in the GGZ a wait counts only when both waits are known, and the total must be at
    # most 14 weeks as well.
    assert norms.status(rules, "ggz", "x", None, 11) is Status.UNKNOWN
    assert norms.status(rules, "ggz", "x", 4, None) is Status.UNKNOWN
    assert norms.status(rules, "ggz", "x", 4, 10.5) is Status.OVER
    assert norms.status(rules, "ggz", "x", 3.5, 9.5) is Status.WITHIN
    assert norms.status(rules, "ggz", "x", None, None, "Stop") is Status.CLOSED
    assert norms.status(rules, "ggz", "x", None, None) is Status.UNKNOWN
    assert norms.status(rules, "msz", "dagbehandeling", None, 6.5) is Status.OVER
    assert norms.status(rules, "msz", "kliniek", None, 6.5) is Status.WITHIN
    assert norms.status(rules, "ouderenzorg", "verzorging", None, 12) is Status.WITHIN


def test_the_norms_page_lists_every_norm(login: Callable[[str], Browser]) -> None:
    page = login("viewer").get("/wachttijden/normen")
    assert page.status_code == 200
    assert "NR/REG-2127" in page.text
