"""Words users see (issue 14 item 7): no plural hacks and no command lines in the Dutch texts."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUES = sorted((Path(__file__).resolve().parents[2] / "src" / "verkeerstoren" / "web"
                     / "locale" / "nl" / "LC_MESSAGES").glob("*.po"))
PLURAL_HACK = re.compile(r"\w\((s|en|den|n)\)")
# The CLI's verbs (verkeerstoren --help) after the program's name, or the bootstrap script.
COMMAND = re.compile(
    r"\bverkeerstoren (import|serve|report|demo|users|audit|migrate|purge|backup|restore|pull"
    r"|expire|deliver)[a-z-]*|\./vt\b")


def _dutch() -> list[tuple[str, str]]:
    found = []
    for path in CATALOGUES:
        with path.open("rb") as handle:
            found += [(path.name, str(m.string)) for m in read_po(handle) if m.id and m.string]
    return found


def test_the_catalogues_were_read() -> None:
    assert len(CATALOGUES) >= 10
    assert len(_dutch()) > 500


def test_no_dutch_text_uses_a_plural_in_brackets() -> None:
    assert [(f, s) for f, s in _dutch() if PLURAL_HACK.search(s)] == []


def test_no_dutch_text_tells_a_user_to_type_a_command() -> None:
    assert [(f, s) for f, s in _dutch() if COMMAND.search(s)] == []
