"""Form field descriptions for the generic form template, and form reading."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request


@dataclass(frozen=True)
class FormField:
    """One input of the generic form template (web/templates/form.html)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
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
