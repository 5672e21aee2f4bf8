"""Form field descriptions for the generic form template, and form reading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import Request


@dataclass(frozen=True)
class FormField:
    """One input of the form templates (the ``field`` macro in web/templates/_macros.html);
    the one field type of every form page."""

    name: str
    label: str  # a msgid
    kind: str = "text"  # an <input> type, or select, multiselect, textarea, checkbox
    required: bool = False
    options: Sequence[tuple[str, str]] = ()
    help: str | None = None


async def form_values(request: Request) -> dict[str, str]:
    """Single-valued form fields as strings (files and repeated keys are read elsewhere)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


async def form_lists(request: Request) -> dict[str, list[str]]:
    """Every form field as a list of its string values (for checkbox groups)."""
    form = await request.form()
    result: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key != "csrf_token":
            result.setdefault(key, []).append(value)
    return result
