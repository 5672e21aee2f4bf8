"""Every input problem a page can show is translated with its values: no raw ``{max_length}``.

One problem type (errors.ValidationProblem), one converter of pydantic errors
(validation.problems) and one page helper (web.problems.problem_text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.validation import MESSAGES
from verkeerstoren.waiting_times.models import WaitReport
from verkeerstoren.web.i18n import catalogue, translator
from verkeerstoren.web.problems import problem_text

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "verkeerstoren"
PLACEHOLDER = re.compile(r"\{\w+\}")
# A message translated on its own, without the values its placeholders need.
BARE = re.compile(r"_\(\s*[\w.]*\.(message|template)\s*\)")


def test_no_page_translates_a_problem_without_its_values() -> None:
    bare = [f"{path.relative_to(PACKAGE)}:{source[:m.start()].count(chr(10)) + 1}"
            for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.html")]
            for source in [path.read_text(encoding="utf-8")]
            for m in BARE.finditer(source)]
    assert bare == []


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_every_converted_pydantic_message_renders_without_a_placeholder(locale: str) -> None:
    _ = translator(locale)
    for message, keys in set(MESSAGES.values()):
        problem = ValidationProblem("field", message, params=dict.fromkeys(keys, 7))
        text = problem_text(_, problem)
        assert not PLACEHOLDER.search(text), (message, text)
        if locale == "nl":
            assert catalogue("nl").get(message), f"no Dutch text for {message!r}"


def test_no_dutch_translation_needs_a_value_its_msgid_does_not_carry() -> None:
    # (A translation may leave a value out, such as a technical error text.)
    for msgid, text in catalogue("nl").items():
        assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(msgid)), msgid


def test_the_waits_form_shows_a_too_long_care_type_in_dutch_with_its_bound(
    login: Callable[[str], Browser], session: Session
) -> None:
    provider = login("provider")
    before = session.scalar(select(func.count()).select_from(WaitReport))
    answer = provider.post("/wachttijden/melden", data={
        "csrf_token": provider.csrf, "sector": "ouderenzorg", "care_type": "x" * 101,
        "treatment_weeks": "4"})
    assert answer.status_code == 422
    assert "te lang (hoogstens 100 tekens)" in answer.text
    assert "{max_length}" not in answer.text
    assert session.scalar(select(func.count()).select_from(WaitReport)) == before


def test_an_imported_waits_file_names_rows_in_dutch(login: Callable[[str], Browser]) -> None:
    provider = login("provider")
    content = b"sector,care_type,treatment_weeks\nouderenzorg,verpleeghuis,999\n"
    answer = provider.post("/wachttijden/melden", data={"csrf_token": provider.csrf},
                           files={"file": ("w.csv", content)})
    assert answer.status_code == 422
    assert "mag hoogstens 520 zijn" in answer.text
    assert "{le}" not in answer.text
