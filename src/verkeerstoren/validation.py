"""Pydantic errors as ValidationProblems whose messages are catalogue msgids (Dutch in the UI)."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from verkeerstoren.errors import ValidationProblem

# pydantic error type → (msgid, names of the context values it uses)
MESSAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "missing": ("this field is required", ()),
    "int_parsing": ("not a whole number", ()),
    "int_from_float": ("not a whole number", ()),
    "float_parsing": ("not a number", ()),
    "bool_parsing": ("not yes/no (true/false)", ()),
    "greater_than_equal": ("must be at least {ge}", ("ge",)),
    "greater_than": ("must be more than {gt}", ("gt",)),
    "less_than_equal": ("must be at most {le}", ("le",)),
    "less_than": ("must be less than {lt}", ("lt",)),
    "string_too_long": ("too long (at most {max_length} characters)", ("max_length",)),
    "string_too_short": ("too short (at least {min_length} characters)", ("min_length",)),
    "date_parsing": ("not a date (use YYYY-MM-DD)", ()),
    "date_from_datetime_parsing": ("not a date (use YYYY-MM-DD)", ()),
    "date_type": ("not a date (use YYYY-MM-DD)", ()),
    "extra_forbidden": ("unknown field", ()),
    "enum": ("not one of the allowed values", ()),
    "literal_error": ("not one of the allowed values", ()),
    "string_pattern_mismatch": ("has the wrong format", ()),
}


def _problem(error: ErrorDetails, row: int | None) -> ValidationProblem:
    field = ".".join(str(p) for p in error["loc"]) or "row"
    known = MESSAGES.get(error["type"])
    if known is not None:
        message, keys = known
        context = error.get("ctx") or {}
        return ValidationProblem(field, message, row=row,
                                 params={k: context[k] for k in keys if k in context})
    # Our own validators raise ValueError("English msgid"); pydantic prefixes it.
    return ValidationProblem(field, error["msg"].removeprefix("Value error, "), row=row)


def problems(exc: ValidationError, row: int | None = None) -> list[ValidationProblem]:
    """Every error of a pydantic validation as a ValidationProblem."""
    return [_problem(error, row) for error in exc.errors()]
