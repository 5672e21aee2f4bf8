"""Pydantic errors as ValidationProblems whose messages are catalogue msgids (Dutch in the UI)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from verkeerstoren import region_time
from verkeerstoren.errors import ValidationProblem

# Dates people plan with (a wanted start, a bed expected free, an admission) lie within this
# many years of today. Further out is a typing error, and 0001-01-01 or 9999-12-31 made date
# arithmetic overflow into a 500.
DATE_YEARS = 10


def _near_today(value: date) -> date:
    today = region_time.today()
    if abs(value.year - today.year) > DATE_YEARS:
        raise PydanticCustomError("date_out_of_range",
                                  "must lie within {years} years of today",
                                  {"years": DATE_YEARS})
    return value


NearDate = Annotated[date, AfterValidator(_near_today)]
"""A date within :data:`DATE_YEARS` years of today (as a validation error otherwise)."""

_DATE = ("not a date (use YYYY-MM-DD)", ())
_DATETIME = ("not a date and time", ())
_WHOLE = ("not a whole number", ())
_NUMBER = ("not a number", ())
_CHOICE = ("not one of the allowed values", ())
_TEXT = ("must be text", ())
_LIST = ("must be a list", ())

# pydantic error type → (msgid, names of the context values it uses). Every msgid has a Dutch
# entry in the catalogue; a type not listed here gets FALLBACK, so pydantic's English text
# never reaches a page.
MESSAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "missing": ("this field is required", ()),
    "missing_argument": ("this field is required", ()),
    "missing_keyword_only_argument": ("this field is required", ()),
    "missing_positional_only_argument": ("this field is required", ()),
    "none_required": ("must be empty", ()),
    "extra_forbidden": ("unknown field", ()),
    "unexpected_keyword_argument": ("unknown field", ()),
    "no_such_attribute": ("unknown field", ()),
    "frozen_field": ("cannot be changed", ()),
    "frozen_instance": ("cannot be changed", ()),
    "json_invalid": ("not valid JSON", ()),
    "json_type": ("not valid JSON", ()),
    "string_type": _TEXT,
    "string_unicode": _TEXT,
    "string_not_ascii": ("only plain letters, digits and punctuation", ()),
    "string_too_short": ("too short (at least {min_length} characters)", ("min_length",)),
    "string_too_long": ("too long (at most {max_length} characters)", ("max_length",)),
    "string_pattern_mismatch": ("has the wrong format", ()),
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "int_parsing_size": ("number too large", ()),
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "finite_number": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_max_digits": ("too many digits", ()),
    "decimal_max_places": ("too many decimals", ()),
    "decimal_whole_digits": ("too many digits", ()),
    "multiple_of": ("must be a multiple of {multiple_of}", ("multiple_of",)),
    "greater_than_equal": ("must be at least {ge}", ("ge",)),
    "greater_than": ("must be more than {gt}", ("gt",)),
    "less_than_equal": ("must be at most {le}", ("le",)),
    "less_than": ("must be less than {lt}", ("lt",)),
    "bool_type": ("not yes/no (true/false)", ()),
    "bool_parsing": ("not yes/no (true/false)", ()),
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_past": ("must be a date in the past", ()),
    "date_out_of_range": ("must lie within {years} years of today", ("years",)),
    "date_future": ("must be a date in the future", ()),
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_past": ("must be in the past", ()),
    "datetime_future": ("must be in the future", ()),
    "timezone_naive": ("must not have a time zone", ()),
    "timezone_aware": ("needs a time zone", ()),
    "time_type": ("not a time (use HH:MM)", ()),
    "time_parsing": ("not a time (use HH:MM)", ()),
    "time_delta_type": ("not a duration", ()),
    "time_delta_parsing": ("not a duration", ()),
    "enum": _CHOICE,
    "literal_error": _CHOICE,
    "union_tag_invalid": _CHOICE,
    "union_tag_not_found": _CHOICE,
    # Lists (checkbox groups): too_short is "tick at least one" on a form.
    "too_short": ("choose at least {min_length}", ("min_length",)),
    "too_long": ("too many (at most {max_length})", ("max_length",)),
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "frozen_set_type": _LIST,
    "iterable_type": _LIST,
    "dict_type": ("must be an object", ()),
    "model_type": ("must be an object", ()),
    "model_attributes_type": ("must be an object", ()),
    "url_type": ("not a web address", ()),
    "url_parsing": ("not a web address", ()),
    "url_syntax_violation": ("not a web address", ()),
    "url_too_long": ("too long (at most {max_length} characters)", ("max_length",)),
    "url_scheme": ("not a web address", ()),
    "uuid_type": ("has the wrong format", ()),
    "uuid_parsing": ("has the wrong format", ()),
    "uuid_version": ("has the wrong format", ()),
}
FALLBACK = "invalid value"
# Our own validators raise ValueError("English msgid") (or assert); pydantic prefixes the text.
_OWN = {"value_error": "Value error, ", "assertion_error": "Assertion failed, "}


def _bound(value: object) -> object:
    # A bound as a person writes it: "at most 520", not "520.0".
    return int(value) if isinstance(value, float) and value.is_integer() else value


def problem_of(error: ErrorDetails, row: int | None = None, *,
               top_level: bool = False) -> ValidationProblem:
    """One pydantic error as a ValidationProblem whose message is a msgid of :data:`MESSAGES`.

    The field is the error's location joined with dots ("bed_types.0.physical_beds"), or with
    ``top_level`` only its first part (a form names its inputs by the top-level field).
    """
    loc = [str(p) for p in error["loc"]]
    field = (loc[0] if top_level and loc else ".".join(loc)) or "row"
    known = MESSAGES.get(error["type"])
    if known is not None:
        message, keys = known
        context = error.get("ctx") or {}
        return ValidationProblem(field, message, row=row,
                                 params={k: _bound(context[k]) for k in keys if k in context})
    prefix = _OWN.get(error["type"])
    if prefix is not None:
        return ValidationProblem(field, error["msg"].removeprefix(prefix), row=row)
    return ValidationProblem(field, FALLBACK, row=row)


def problems(exc: ValidationError, row: int | None = None, *,
             top_level: bool = False) -> list[ValidationProblem]:
    """Every error of a pydantic validation as a ValidationProblem (the one converter)."""
    return [problem_of(error, row, top_level=top_level) for error in exc.errors()]
