"""The OpenAPI document as the API really answers, completed in one place.

Routes declare their success answers; the error answers are the same everywhere and come from
the web shell (`web/errors.py`), so they are added here from what each route declares through
its context dependency (`web/deps.py`) instead of being repeated on ninety routes:

- every error body is ``{"detail": str}``, and a 422 adds ``errors`` (field, message, row);
- 401 and 403 where the route needs a login (403: the role lacks the permission, the row is
  another organisation's, or a browser session's write lacks its CSRF token);
- 404 where the path names a resource, 409 on every write (a clash with the current state or a
  unique constraint), 422 where the route takes parameters or a body;
- 503 everywhere the database is used (busy or out of connections), with ``Retry-After``.

A route that answers another status on purpose declares it itself (``responses=``); what it
declares is kept, only its body schema is set to the shared one. `tests/api/test_schemathesis.py`
checks the document against the running server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.utils import get_flat_params
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field
from starlette.routing import compile_path

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REF = "#/components/schemas/{model}"


class ErrorItem(BaseModel):
    """One problem of a rejected request."""

    field: str = Field(description="The field (dotted path; 'file' for an upload).")
    message: str = Field(description="What is wrong, in English.")
    row: int | None = Field(default=None, description="The file's row, for imports.")


class ErrorOut(BaseModel):
    """Every error answer of the API."""

    detail: str = Field(description="What went wrong, in English.")


class InvalidOut(ErrorOut):
    """A 422: the request breaks a rule; nothing was saved."""

    errors: list[ErrorItem] = Field(description="Every problem found.")


ERROR = {"$ref": REF.format(model="ErrorOut")}
INVALID = {"$ref": REF.format(model="InvalidOut")}
DESCRIPTIONS = {
    "400": "The body could not be parsed (not JSON, or a broken form).",
    "401": "No valid session or API token (`WWW-Authenticate: Bearer`).",
    "403": "The role may not do this, the row belongs to another organisation, or a browser "
           "session's write lacks its CSRF token.",
    "404": "The resource (or one the request refers to) does not exist.",
    "409": "The request clashes with the current state or with existing data.",
    "422": "The request breaks a rule; `errors` names each field (and row). Nothing was saved.",
    "503": "The database is busy or out of connections; try again after `Retry-After` seconds.",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                               "schema": {"type": "integer"}}}


def _requirement(route: APIRoute) -> tuple[bool, bool]:
    """(uses the database, needs a login) from the route's context dependency."""
    stack: list[Any] = [route.dependant]
    while stack:
        dependant = stack.pop()
        call = dependant.call
        if call is not None and hasattr(call, "login_required"):
            return True, bool(call.login_required)
        stack.extend(dependant.dependencies)
    return False, False


def _names(document: dict[str, Any], schema: Any, seen: set[str]) -> Iterator[str]:
    """Every property name in ``schema``, following references (each once)."""
    if isinstance(schema, list):
        for item in schema:
            yield from _names(document, item, seen)
    elif isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            yield from _names(document, document["components"]["schemas"][ref.rsplit("/")[-1]],
                              seen)
        yield from schema.get("properties", {})
        for value in schema.values():
            if isinstance(value, dict | list):
                yield from _names(document, value, seen)


def _refers(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """Whether the request names another resource by id (a parameter or body field ``*_id``),
    which the service answers with 404 when it does not exist."""
    names = [p["name"] for p in operation.get("parameters", [])]
    names += _names(document, operation.get("requestBody", {}), set())
    return any(name.endswith(("_id", "_ids")) for name in names)


def _operations(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if (isinstance(route, APIRoute) and route.include_in_schema
                and context.path_format is not None):
            for method in sorted((context.methods or set()) - {"HEAD"}):
                yield method, context.path_format, route


def _answer(responses: dict[str, Any], status: str, schema: dict[str, str],
            headers: dict[str, Any] | None = None) -> None:
    answer = responses.setdefault(status, {})
    if answer.get("description") in (None, "Validation Error"):  # FastAPI's default text
        answer["description"] = DESCRIPTIONS[status]
    answer["content"] = {"application/json": {"schema": schema}}
    if headers:
        answer["headers"] = headers


def complete(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error answers to every operation of ``document``."""
    for method, path, route in _operations(app):
        operation = document["paths"].get(path, {}).get(method.lower())
        if operation is None or getattr(route, "own_errors", False):  # e.g. FHIR's outcomes
            continue
        responses: dict[str, Any] = operation["responses"]
        uses_db, login = _requirement(route)
        if login:
            _answer(responses, "401", ERROR)
            _answer(responses, "403", ERROR)
        if route.body_field is not None:
            _answer(responses, "400", ERROR)
        if "{" in path or "404" in responses or _refers(document, operation):
            _answer(responses, "404", ERROR)
        if method in UNSAFE or "409" in responses:
            _answer(responses, "409", ERROR)
        if get_flat_params(route.dependant) or route.body_field or "422" in responses:
            _answer(responses, "422", INVALID)
        if uses_db:
            _answer(responses, "503", ERROR, RETRY_AFTER)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorOut, InvalidOut):
        found = model.model_json_schema(ref_template=REF)
        schemas.update(found.pop("$defs", {}))
        schemas[model.__name__] = found
    # FastAPI's own 422 shape is replaced everywhere; drop its now unused schemas.
    text = repr(document["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"/{unused}'" not in text:
            schemas.pop(unused, None)
    return document


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(app, get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves at ``path`` (a 405's ``Allow`` header): FastAPI routes
    GET and PUT of one path separately and would only name the first route's methods."""
    methods: set[str] = set()
    for context in iter_route_contexts(app.routes):
        pattern = context.path
        if pattern is None or context.methods is None:
            continue
        regex, _, _ = compile_path(pattern)
        if regex.match(path):
            methods |= context.methods
    return sorted(methods)

