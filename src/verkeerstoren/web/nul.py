"""Refuses NUL characters in a request's text before any route or transaction sees them.

PostgreSQL cannot store or even compare text holding NUL (U+0000): a ``remark`` or a
``bed_type=%00`` filter reached the driver and became a 500 there, while SQLite took it. One
check for every route (it runs before each page and API context opens its transaction) instead
of a rule on every text field: path and query parameters, form fields and JSON bodies. Uploaded
files are left to their importers, which name the row (an Excel file is binary and holds NUL
bytes by nature).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from fastapi import Request

from verkeerstoren.errors import ValidationProblem

NUL = "\x00"
MESSAGE = "Contains a NUL character, which is not allowed."


def _shown(name: str) -> str:
    return name.replace(NUL, "\\0") or "?"


def _first_in_pairs(pairs: Iterable[tuple[str, object]]) -> str | None:
    for key, value in pairs:
        if NUL in key or (isinstance(value, str) and NUL in value):
            return _shown(key)
    return None


def _first_in_json(value: object, path: tuple[str, ...] = ()) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield ".".join(path) or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield _shown(".".join((*path, key)))
            yield from _first_in_json(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _first_in_json(item, (*path, str(index)))


async def reject_nul(request: Request) -> None:
    """Raise a ValidationProblem (422) naming the first field that holds a NUL character."""
    field = _first_in_pairs(request.path_params.items()) or _first_in_pairs(
        request.query_params.multi_items())
    content_type = request.headers.get("content-type", "")
    if field is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        # Parsed once: Starlette keeps the form on the request for the route (and closes any
        # uploaded file the route opens with `async with request.form()`).
        field = _first_in_pairs((await request.form()).multi_items())
    elif field is None and "json" in content_type:
        body = await request.body()
        if b"\\u0000" in body:  # the only way JSON can carry a NUL character
            try:
                field = next(_first_in_json(json.loads(body)), None)
            except ValueError:
                field = None  # not JSON: the route's own parsing answers that
    if field is not None:
        raise ValidationProblem(field, MESSAGE)
