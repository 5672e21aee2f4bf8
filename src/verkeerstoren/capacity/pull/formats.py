"""Pull formats that other capabilities read: the open standards (interop registers EDXL-HAVE,
and SANER) without the capacity capability importing them.

A reader takes the fetched bytes and submits them itself (a standard's document can carry its
own report times, which one ``submit_reports`` call per pull cannot), under the pull's actor,
inside the pull's savepoint; it returns how many reports it recorded and raises
ValidationErrors/ValidationProblem like :func:`..payload.parse_payload`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity.models import PullFormat
from verkeerstoren.errors import ValidationProblem

Reader = Callable[[Session, Actor, bytes, datetime], int]
_READERS: dict[PullFormat, Reader] = {}


def register(fmt: PullFormat, reader: Reader) -> None:
    _READERS[fmt] = reader


def reader(fmt: PullFormat) -> Reader | None:
    """The registered reader of a standard's format; None for our own CSV and JSON."""
    if fmt in (PullFormat.CSV, PullFormat.JSON):
        return None
    found = _READERS.get(fmt)
    if found is None:
        raise ValidationProblem("format", "this server cannot read the format {format}",
                                params={"format": fmt.value})
    return found
