"""The registry's field rules (names, codes, postcodes, coordinates): shared by the API
schemas, the forms and the CSV importer.

Messages are English msgids (the Dutch pages translate them).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_ID = 2_147_483_647  # int4: larger ids cannot exist, and SQLite/PostgreSQL reject them
MAX_BEDS = 10_000
MAX_LIST = 100

POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AGB_RE = re.compile(r"^[0-9]{8}$")
CODE_RE = re.compile(r"^[a-z0-9_]{1,30}$")
GEMEENTE_RE = re.compile(r"^GM[0-9]{4}$")
WIJK_RE = re.compile(r"^WK[0-9]{6}$")
PHONE_RE = re.compile(r"^[0-9+()\-. ]{3,30}$")
RANGE_RE = re.compile(r"^([0-9]{4})\s*-\s*([0-9]{4})$")


def clean_text(value: str) -> str:
    """Strip surrounding space and refuse control characters (PostgreSQL rejects NUL)."""
    value = value.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValueError("Contains characters that are not allowed.")
    return value


def _required(value: str) -> str:
    value = clean_text(value)
    if not value:
        raise ValueError("This field is required.")
    return value


def _optional(value: str | None) -> str | None:
    if value is None:
        return None
    value = clean_text(value)
    return value or None


def normalise_postcode(value: str) -> str:
    """Dutch postcode in its canonical form: '2711 ab' becomes '2711AB'."""
    compact = re.sub(r"\s+", "", clean_text(value)).upper()
    if not POSTCODE_RE.match(compact):
        raise ValueError("Postcode must look like 1234AB.")
    return compact


def check_email(value: str | None) -> str | None:
    """An e-mail address of the usual shape, or None when empty."""
    value = _optional(value)
    if value is not None and not EMAIL_RE.match(value):
        raise ValueError("E-mail address must look like name@example.nl.")
    return value


def check_agb(value: str | None) -> str | None:
    """An AGB code (8 digits), or None when empty."""
    value = _optional(value)
    if value is not None and not AGB_RE.match(value):
        raise ValueError("AGB code must be 8 digits.")
    return value


def check_phone(value: str | None) -> str | None:
    """A phone number of digits, spaces and + - ( ) ., or None when empty."""
    value = _optional(value)
    if value is not None and not PHONE_RE.match(value):
        raise ValueError("Phone number may contain only digits, spaces and + - ( ).")
    return value


def check_gemeente_code(value: str) -> str:
    """A CBS municipality code such as GM0637."""
    value = clean_text(value).upper()
    if not GEMEENTE_RE.match(value):
        raise ValueError("Municipality code must look like GM0637.")
    return value


def check_wijk_code(value: str | None) -> str | None:
    """A CBS neighbourhood code such as WK063701, or None when empty."""
    value = _optional(value)
    if value is None:
        return None
    value = value.upper()
    if not WIJK_RE.match(value):
        raise ValueError("Neighbourhood code must look like WK063701.")
    return value


def check_code(value: str) -> str:
    """A reference code (bed type, feature, skill): lower-case letters, digits and _."""
    value = clean_text(value)
    if not CODE_RE.match(value):
        raise ValueError("Unknown code.")
    return value


Name = Annotated[str, Field(max_length=200), AfterValidator(_required)]
OptText200 = Annotated[str | None, Field(max_length=200), AfterValidator(_optional)]
OptText100 = Annotated[str | None, Field(max_length=100), AfterValidator(_optional)]
HouseNumber = Annotated[str | None, Field(max_length=20), AfterValidator(_optional)]
Phone = Annotated[str | None, Field(max_length=30), AfterValidator(check_phone)]
Email = Annotated[str | None, Field(max_length=254), AfterValidator(check_email)]
Agb = Annotated[str | None, Field(max_length=20), AfterValidator(check_agb)]
Postcode = Annotated[str, Field(max_length=20), AfterValidator(normalise_postcode)]
GemeenteCode = Annotated[str, Field(max_length=20), AfterValidator(check_gemeente_code)]
WijkCode = Annotated[str | None, Field(max_length=20), AfterValidator(check_wijk_code)]
Code = Annotated[str, Field(max_length=30), AfterValidator(check_code)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Latitude = Annotated[float | None, Field(ge=50.5, le=53.7, allow_inf_nan=False)]
Longitude = Annotated[float | None, Field(ge=3.2, le=7.3, allow_inf_nan=False)]
