"""Errors as a FHIR OperationOutcome: each issue names the element (``expression``, FHIRPath)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verkeerstoren.errors import DomainError, ValidationErrors, ValidationProblem


@dataclass(frozen=True)
class Issue:
    expression: str  # FHIRPath of the element, e.g. MeasureReport.group[0].population[1].count
    diagnostics: str
    code: str = "invalid"  # issue-type: invalid, structure, required, code-invalid, forbidden…


class FhirProblem(DomainError):
    """A FHIR request that cannot be done; ``status`` is the HTTP status to answer with."""

    def __init__(self, issues: list[Issue], status: int = 422) -> None:
        super().__init__("; ".join(f"{i.expression}: {i.diagnostics}" for i in issues))
        self.issues = issues
        self.status = status


def invalid(expression: str, diagnostics: str, code: str = "invalid") -> FhirProblem:
    return FhirProblem([Issue(expression, diagnostics, code)])


def outcome(issues: list[Issue], severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": i.code, "diagnostics": i.diagnostics,
                   **({"expression": [i.expression]} if i.expression else {})}
                  for i in issues],
    }


def from_problems(problems: list[ValidationProblem],
                  paths: dict[tuple[int | None, str], str]) -> FhirProblem:
    """The capacity service's problems (row, field) as issues on the elements they came from."""
    issues = []
    for p in problems:
        where = paths.get((p.row, p.field)) or paths.get((p.row, "")) or "MeasureReport"
        issues.append(Issue(where, p.text, "business-rule"))
    return FhirProblem(issues)


def from_errors(exc: ValidationErrors | ValidationProblem,
                paths: dict[tuple[int | None, str], str]) -> FhirProblem:
    problems = exc.problems if isinstance(exc, ValidationErrors) else [exc]
    return from_problems(problems, paths)
