"""Translation catalogues (Babel .po files, read at start-up; msgids are English)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = ("nl", "en")

Translate = Callable[..., str]


@cache
def catalogue(locale: str) -> dict[str, str]:
    """msgid → msgstr for a locale; English is the msgid itself, so its catalogue may be empty.

    Each capability keeps its own file (``<locale>/LC_MESSAGES/<capability>.po``) beside the
    shell's ``messages.po``; all of a locale's files are merged.
    """
    merged: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            parsed = read_po(handle, locale=locale)
        merged.update({str(m.id): str(m.string) for m in parsed if m.id and m.string})
    return merged


def translator(locale: str) -> Translate:
    """A gettext-like function; keyword arguments fill ``{name}`` placeholders after translation."""
    messages = catalogue(locale if locale in LOCALES else "nl")

    def translate(message: str, **values: object) -> str:
        text = messages.get(message, message)
        return text.format(**values) if values else text

    return translate
