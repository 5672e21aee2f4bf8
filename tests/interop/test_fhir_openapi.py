"""Every FHIR endpoint is in /openapi.json with its request and response schemas, its error
answers (OperationOutcome, application/fhir+json) and an example of what to post."""

from __future__ import annotations

from tests.conftest import Browser
from tests.interop.fhir_rules import validate

FHIR_JSON = "application/fhir+json"


def test_every_fhir_operation_is_documented(client: Browser) -> None:
    document = client.get("/openapi.json").json()
    operations = [(path, method, op) for path, item in document["paths"].items()
                  if path.startswith("/fhir") for method, op in item.items()]
    assert {(p, m) for p, m, _ in operations} >= {
        ("/fhir/metadata", "get"), ("/fhir/Organization", "get"),
        ("/fhir/Organization/{resource_id}", "get"), ("/fhir/Location", "get"),
        ("/fhir/Location/{resource_id}", "get"), ("/fhir/HealthcareService", "get"),
        ("/fhir/HealthcareService/{resource_id}", "get"), ("/fhir/MeasureReport", "get"),
        ("/fhir/MeasureReport/{resource_id}", "get"), ("/fhir/MeasureReport", "post")}
    for path, method, op in operations:
        success = op["responses"]["201" if method == "post" else "200"]
        assert "$ref" in success["content"][FHIR_JSON]["schema"], (path, method)
        if path != "/fhir/metadata":
            for status in ("401", "403", "422", "503"):
                error = op["responses"][status]["content"][FHIR_JSON]["schema"]
                assert error["$ref"].endswith("/OperationOutcome"), (path, status)
    post = document["paths"]["/fhir/MeasureReport"]["post"]
    body = post["requestBody"]["content"][FHIR_JSON]
    assert body["schema"]["$ref"].endswith("/MeasureReport")
    validate(body["examples"]["saner"]["value"])  # the example is a valid SANER report
    read = document["paths"]["/fhir/MeasureReport/{resource_id}"]["get"]["responses"]["200"]
    validate(read["content"][FHIR_JSON]["example"])
    assert {"400", "404", "409"} <= set(post["responses"])
