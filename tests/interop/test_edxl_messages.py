"""Every problem the EDXL-HAVE code can raise has a Dutch translation (the pull page shows it)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from verkeerstoren.web.i18n import catalogue

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "verkeerstoren"
SOURCES = [*(PACKAGE / "interop" / "edxl").glob("*.py"), PACKAGE / "capacity" / "pull" /
           "formats.py"]
CATALOGUE = PACKAGE / "web" / "locale" / "nl" / "LC_MESSAGES" / "interop_edxl.po"
# ValidationProblem("field", "message" "continued", ...): the message may span literals.
PROBLEM = re.compile(r'ValidationProblem\(\s*[^,]+,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')


def _messages() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        for match in PROBLEM.finditer(path.read_text(encoding="utf-8")):
            found.add("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))))
    return found


def test_every_edxl_problem_has_a_dutch_translation() -> None:
    messages = _messages()
    assert len(messages) >= 12
    dutch = catalogue("nl")
    assert sorted(m for m in messages if not dutch.get(m)) == []


def test_translations_keep_their_placeholders() -> None:
    with CATALOGUE.open("rb") as handle:
        for message in read_po(handle, locale="nl"):
            if message.id:
                names = set(re.findall(r"\{(\w+)\}", str(message.id)))
                assert names == set(re.findall(r"\{(\w+)\}", str(message.string))), message.id
