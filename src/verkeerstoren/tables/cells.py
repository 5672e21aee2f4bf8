"""The guard every CSV and Excel file the tower writes puts on its text cells.

A text cell starting with = + - or @ runs as a formula when the file is opened in Excel or
LibreOffice (CSV injection: a unit named ``=HYPERLINK(…)`` becomes a live link in a provider's
upload template). Such text gets a leading apostrophe, the usual neutraliser; the readers in
:mod:`verkeerstoren.tables.reading` take it off again, so a template imports back unchanged.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@")
GUARD = "'"


def safe(value: object) -> object:
    """The value to write into a cell: text that could run as a formula is neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return GUARD + value
    return value


def unguard(text: str) -> str:
    """A cell's text as it was before :func:`safe` (what an upload of our own file holds)."""
    if text.startswith(GUARD) and text[1:2] in FORMULA_STARTS and text[1:2]:
        return text[1:]
    return text
