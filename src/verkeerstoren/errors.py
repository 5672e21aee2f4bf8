"""Domain errors raised by services and mapped to HTTP answers by the web shell."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class ValidationProblem(DomainError):
    """Input that breaks a rule; names the field (and row, for imports).

    ``message`` is an English msgid with ``{name}`` placeholders filled from ``params`` (given as
    a dict or as keywords), so pages can show it in Dutch through the catalogue
    (``web.problems.problem_text``) while the API answers in English (:attr:`text`). The one
    type of input problem: services, importers and the pydantic converter
    (``validation.problems``) all build it.
    """

    def __init__(
        self,
        field: str,
        message: str,
        *,
        row: int | None = None,
        params: dict[str, object] | None = None,
        **values: object,
    ) -> None:
        self.field = field
        self.message = message
        self.row = row
        self.params = {**(params or {}), **values}
        where = f"row {row}, " if row is not None else ""
        super().__init__(f"{where}{field}: {self.text}")

    def at_row(self, row: int | None) -> ValidationProblem:
        """The same problem, placed at a row of an import."""
        return ValidationProblem(self.field, self.message, row=row, params=self.params)

    @property
    def text(self) -> str:
        """The English message with its values filled in."""
        return self.message.format(**self.params) if self.params else self.message


class ValidationErrors(DomainError):
    """Several problems at once (an import reports every bad row, not just the first)."""

    def __init__(self, problems: list[ValidationProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:20]))


class NotFound(DomainError):
    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        super().__init__(f"{entity} {key} not found")


class Conflict(DomainError):
    """The request is valid but clashes with the current state (a taken name, a full unit)."""


class Forbidden(DomainError):
    """The actor may not do this."""
