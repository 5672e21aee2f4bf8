"""How a page shows a ValidationProblem: the one helper every page module uses.

A problem's message is an English msgid with ``{name}`` placeholders and its values travel in
``params``; translating the msgid without them showed users a raw ``{max_length}``.
"""

from __future__ import annotations

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.web.i18n import Translate


def problem_text(_: Translate, problem: ValidationProblem) -> str:
    """The problem's message in the page's language, its values filled in."""
    return _(problem.message, **problem.params)


def field_errors(_: Translate, problems: list[ValidationProblem]) -> dict[str, str]:
    """The first message per field, for a form that shows errors beside its inputs."""
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(problem.field, problem_text(_, problem))
    return errors
