"""The shapes of our FHIR resources for the OpenAPI document and for reading a posted
MeasureReport (only the elements we use are described; FHIR allows more, so extra elements
are kept). The tests check what we emit against independent FHIR models (fhir.resources)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Text = Field(default=None, max_length=1000)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Coding(_Open):
    system: str | None = Field(default=None, max_length=500)
    code: str | None = Field(default=None, max_length=200)
    display: str | None = Text


class CodeableConcept(_Open):
    coding: list[Coding] | None = Field(default=None, max_length=20)
    text: str | None = Text


class Identifier(_Open):
    system: str | None = Field(default=None, max_length=500)
    value: str | None = Field(default=None, max_length=200)


class Reference(_Open):
    reference: str | None = Field(default=None, max_length=500)
    identifier: Identifier | None = None
    display: str | None = Text


class Period(_Open):
    start: str | None = Field(default=None, max_length=40)
    end: str | None = Field(default=None, max_length=40)


class Extension(_Open):
    url: str = Field(max_length=500)
    valueCode: str | None = Field(default=None, max_length=100)


class PrimitiveExtension(_Open):
    extension: list[Extension] | None = Field(default=None, max_length=10)


class Population(_Open):
    code: CodeableConcept | None = None
    count: int | None = Field(default=None, ge=0, le=10_000)
    count_extension: PrimitiveExtension | None = Field(
        default=None, alias="_count",
        description="A data-absent-reason extension where the count is unknown.")


class Group(_Open):
    code: CodeableConcept | None = None
    population: list[Population] | None = Field(default=None, max_length=20)


class MeasureReport(_Open):
    """A SANER bed-capacity MeasureReport (docs/integrations.md)."""

    resourceType: Literal["MeasureReport"]
    id: str | None = Field(default=None, max_length=64)
    status: Literal["complete", "pending", "error"]
    type: Literal["individual", "subject-list", "summary", "data-collection"]
    measure: str = Field(min_length=1, max_length=500)
    subject: Reference | None = None
    date: str | None = Field(default=None, max_length=40)
    reporter: Reference | None = None
    period: Period
    group: list[Group] | None = Field(default=None, max_length=200)
    evaluatedResource: list[Reference] | None = Field(default=None, max_length=10_000)


class Issue(BaseModel):
    severity: Literal["fatal", "error", "warning", "information"]
    code: str
    diagnostics: str | None = None
    expression: list[str] | None = None


class OperationOutcome(BaseModel):
    """Why a FHIR request failed (or what it did); ``expression`` names the element."""

    resourceType: Literal["OperationOutcome"]
    issue: list[Issue]


class Resource(_Open):
    """A FHIR resource (Organization, Location, HealthcareService, MeasureReport…)."""

    resourceType: str
    id: str | None = None
    meta: dict[str, Any] | None = None


class BundleLink(BaseModel):
    relation: str
    url: str


class BundleEntry(BaseModel):
    fullUrl: str
    resource: Resource
    search: dict[str, str] | None = None


class Bundle(BaseModel):
    """A searchset: one page of matches, ``total`` of all, ``next`` link to the following."""

    resourceType: Literal["Bundle"]
    type: Literal["searchset"]
    total: int
    timestamp: str
    link: list[BundleLink]
    entry: list[BundleEntry]


class CapabilityStatement(_Open):
    resourceType: Literal["CapabilityStatement"]
    status: str
    date: str
    kind: str
    fhirVersion: str
    format: list[str]
    rest: list[dict[str, Any]]
