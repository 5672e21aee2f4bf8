"""Field types that accept in JSON only what the OpenAPI document says.

pydantic's lax mode turns ``false`` into ``0.0`` and ``0`` into 1970-01-01; a program that sends
those has a bug the API should name (422), not store. Forms send text, which stays accepted.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticKnownError


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticKnownError("float_type")
    return value


def _no_number(value: object) -> object:
    if isinstance(value, int | float):
        raise PydanticKnownError("date_type")
    return value


# A finite number (not a boolean).
Number = Annotated[float, BeforeValidator(_no_bool), Field(allow_inf_nan=False)]
# A calendar day as "YYYY-MM-DD" (not a count of seconds).
Day = Annotated[date, BeforeValidator(_no_number)]
