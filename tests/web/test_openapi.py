"""The OpenAPI document declares the error answers the API really gives (web/openapi.py).

The whole API is checked against the document by schemathesis on a served demo
(tests/e2e/test_openapi_conformance.py); these are the quick checks of the declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from tests.conftest import Browser
from verkeerstoren.schema_types import Number

ERROR = {"$ref": "#/components/schemas/ErrorOut"}
INVALID = {"$ref": "#/components/schemas/InvalidOut"}


def _schema(operation: dict[str, Any], status: str) -> object:
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_api_operation_declares_the_shared_error_answers(client: Browser) -> None:
    spec = client.get("/openapi.json").json()
    operations = [(m, p, op) for p, ops in spec["paths"].items() if p.startswith("/api/v1/")
                  for m, op in ops.items()]
    assert len(operations) > 80
    for method, path, operation in operations:
        where = f"{method.upper()} {path}"
        for status in ("401", "403", "503"):
            assert _schema(operation, status) == ERROR, where
        if "{" in path:
            assert _schema(operation, "404") == ERROR, where
        if method in ("post", "put", "patch", "delete"):
            assert _schema(operation, "409") == ERROR, where
        if "parameters" in operation or "requestBody" in operation:
            assert _schema(operation, "422") == INVALID, where
        if "requestBody" in operation:
            assert _schema(operation, "400") == ERROR, where
    # FastAPI's own 422 shape ({"detail": [...]}) is not what the API answers.
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    invalid = spec["components"]["schemas"]["InvalidOut"]
    assert invalid["required"] == ["detail", "errors"]


def test_a_reference_to_another_resource_declares_404(client: Browser) -> None:
    spec = client.get("/openapi.json").json()
    intake = spec["paths"]["/api/v1/district-nursing/intake"]["post"]  # body names team_id
    assert _schema(intake, "404") == ERROR
    assert "404" not in spec["paths"]["/api/v1/bed-types"]["get"]["responses"]


def test_a_declared_error_keeps_its_own_description(client: Browser) -> None:
    spec = client.get("/openapi.json").json()
    reserve = spec["paths"]["/api/v1/placement/requests/{request_id}/reservations"]["post"]
    assert reserve["responses"]["409"]["description"] == "No free bed (any more)"
    assert _schema(reserve, "409") == ERROR


def test_the_error_bodies_are_what_the_document_says(
    login: Callable[[str], Browser], client: Browser
) -> None:
    anonymous = client.get("/api/v1/units/1")
    assert anonymous.status_code == 401
    assert set(anonymous.json()) == {"detail"}
    invalid = login("admin").get("/api/v1/units/0")
    assert invalid.status_code == 422
    assert set(invalid.json()) == {"detail", "errors"}
    assert invalid.json()["errors"][0]["field"].endswith("unit_id")


def test_a_405_names_every_method_of_the_path(login: Callable[[str], Browser]) -> None:
    # GET and PUT of one path are separate routes; the Allow header must name both.
    answer = login("admin").delete("/api/v1/organisations/1")
    assert answer.status_code == 405
    assert {m.strip() for m in answer.headers["allow"].split(",")} >= {"GET", "PUT"}


def test_json_numbers_and_dates_are_not_coerced_from_other_types(
    login: Callable[[str], Browser],
) -> None:
    # Found by schemathesis: pydantic's lax mode stored 0 as 1970-01-01 and false as 0.0.
    admin = login("admin")
    answer = admin.post("/api/v1/district-nursing/intake",
                        json={"team_id": 1, "accepting": True, "available_from": 0})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "available_from"
    assert TypeAdapter(Number).validate_python("2.5") == 2.5  # forms send text: still fine
    with pytest.raises(ValidationError):
        TypeAdapter(Number).validate_python(False)
