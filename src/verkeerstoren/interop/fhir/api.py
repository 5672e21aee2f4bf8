"""The ``/fhir`` routes (FHIR R4, JSON): directory reads and searches, SANER MeasureReports
out and in, the CapabilityStatement.

Who may read what follows access/roles.py as the rest of the API does: the CapabilityStatement
is public; the directory needs a login or API token (registry.view, every role); the
MeasureReports are the board (board.view); posting one is a report (capacity.report, own
organisation's units). Every error is an OperationOutcome naming the element.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from verkeerstoren.access.roles import Permission
from verkeerstoren.access.scoping import ScopeViolation
from verkeerstoren.errors import Conflict, Forbidden, NotFound, ValidationErrors, ValidationProblem
from verkeerstoren.interop.fhir import bundle, capability, codes, directory, receive, saner
from verkeerstoren.interop.fhir import pull as _pull  # noqa: F401  (registers the SANER pull format)
from verkeerstoren.interop.fhir import schemas as s
from verkeerstoren.interop.fhir.outcome import FhirProblem, Issue, invalid, outcome
from verkeerstoren.registry.models import Region
from verkeerstoren.storage.base import utcnow
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import CsrfFailed, NotAuthenticated, edit, public, view


class FhirResponse(JSONResponse):
    media_type = codes.FHIR_JSON


def _element(loc: tuple[int | str, ...]) -> str:
    """A request-validation location as a FHIRPath (body.group.0.count → group[0].count)."""
    if loc and loc[0] == "body":
        path = "MeasureReport"
        for part in loc[1:]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        return path
    return str(loc[-1]) if loc else ""


def _error(exc: Exception) -> Response | None:
    """The OperationOutcome answer for an error of a /fhir route (None: not ours to answer)."""
    status, headers = 422, {}
    if isinstance(exc, FhirProblem):
        status, issues = exc.status, exc.issues
    elif isinstance(exc, RequestValidationError):
        issues = [Issue(_element(tuple(e.get("loc", ()))), str(e.get("msg", "invalid")),
                        "structure" if e.get("type") == "json_invalid" else "invalid")
                  for e in exc.errors()]
        status = 400 if any(e.get("type") == "json_invalid" for e in exc.errors()) else 422
    elif isinstance(exc, NotAuthenticated):
        status, issues = 401, [Issue("", str(exc), "login")]
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, Forbidden | ScopeViolation | CsrfFailed):
        status, issues = 403, [Issue("", "You are not allowed to do this.", "forbidden")]
    elif isinstance(exc, NotFound):
        status, issues = 404, [Issue("", f"{exc.entity} not found.", "not-found")]
    elif isinstance(exc, Conflict):
        status, issues = 409, [Issue("", str(exc), "conflict")]
    elif isinstance(exc, ValidationErrors | ValidationProblem):
        problems = exc.problems if isinstance(exc, ValidationErrors) else [exc]
        issues = [Issue(p.field, p.text) for p in problems]
    elif isinstance(exc, HTTPException) and exc.status_code in (400, 413, 415):
        # The framework's own refusals of a body (not UTF-8, too large, not JSON).
        status, issues = exc.status_code, [Issue("", str(exc.detail), "structure")]
    else:
        return None
    return FhirResponse(outcome(issues), status_code=status, headers=headers)


class FhirRoute(APIRoute):
    """Answers every error of its route, the context's own (401, 403) included, as an
    OperationOutcome; ``web/openapi.py`` leaves such a route's error answers as declared."""

    own_errors = True

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                found = _error(exc)
                if found is None:
                    raise
                return found

        return answer


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": s.OperationOutcome, "description": text,
             "content": {codes.FHIR_JSON: {}}}
    for status, text in (
        (400, "The body is not JSON (or not UTF-8)."),
        (401, "No valid API token (`WWW-Authenticate: Bearer`)."),
        (403, "The role may not do this, or the Location belongs to another organisation."),
        (404, "No such resource."),
        (409, "The report is older than the one on the board."),
        (422, "The resource or a parameter breaks a rule; `expression` names the element. "
              "Nothing was saved."),
        (503, "The database is busy; try again after `Retry-After` seconds."),
    )
}
Answers = dict[int | str, dict[str, Any]]
READ_ERRORS: Answers = {k: v for k, v in ERRORS.items() if k in (401, 403, 404, 422, 503)}
SEARCH_ERRORS: Answers = {k: v for k, v in ERRORS.items() if k in (401, 403, 422, 503)}


def _ok(model: type, example: dict[str, Any] | None = None) -> dict[int | str, dict[str, Any]]:
    content: dict[str, Any] = {codes.FHIR_JSON: {"example": example} if example else {}}
    return {200: {"model": model, "content": content}}


router = APIRouter(prefix="/fhir", tags=["fhir"], route_class=FhirRoute,
                   default_response_class=FhirResponse)
DirectoryCtx = Annotated[Ctx, view(Permission.REGISTRY_VIEW)]
BoardCtx = Annotated[Ctx, view(Permission.BOARD_VIEW)]
ReportCtx = Annotated[Ctx, edit(Permission.CAPACITY_REPORT)]
PublicCtx = Annotated[Ctx, public()]
FhirId = Annotated[str, Path(pattern=r"^[A-Za-z0-9\-.]{1,64}$")]
Token = Annotated[str | None, Query(max_length=300)]
Str = Annotated[str | None, Query(max_length=200)]
Count = Annotated[int, Query(alias="_count", ge=1, le=bundle.MAX_COUNT)]
Offset = Annotated[int, Query(alias="_offset", ge=0, le=1_000_000)]
LastUpdated = Annotated[list[str] | None, Query(alias="_lastUpdated", max_length=2)]
Postcode = Annotated[str | None, Query(alias="address-postalcode", max_length=7)]


# A unit's report as a provider sends it (the POST example and the read's answer shape).
EXAMPLE: dict[str, Any] = {
    "resourceType": "MeasureReport", "status": "complete", "type": "summary",
    "measure": codes.SANER_MEASURE, "subject": {"reference": "Location/unit-1"},
    "date": "2026-12-04T09:30:00+01:00",
    "period": {"start": "2026-12-04T09:30:00+01:00", "end": "2026-12-04T09:30:00+01:00"},
    "group": [{"code": {"coding": [
        {"system": codes.GROUP_SYSTEM, "code": "Beds"},
        {"system": codes.BED_TYPE_SYSTEM, "code": "short_stay_low"}]},
        "population": [
            {"code": {"coding": [{"system": codes.MEASURED, "code": codes.TOTAL}]},
             "count": 12},
            {"code": {"coding": [{"system": codes.MEASURED, "code": codes.OCCUPIED}]},
             "count": 9},
            {"code": {"coding": [{"system": codes.MEASURED, "code": codes.AVAILABLE}]},
             "count": 3}]}]}
MEASURE_REPORT_BODY = Body(media_type=codes.FHIR_JSON, openapi_examples={
    "saner": {"summary": "A unit's ELV beds", "value": EXAMPLE}})


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _found(entries: list[directory.Entry], kind: str, search: bundle.Search,
           request: Request) -> FhirResponse:
    bundle.check_dates(search)
    matched = [e.resource for e in entries if bundle.matches(e, search, kind)]
    return FhirResponse(bundle.searchset(_base(request), kind, matched, search))


def _read(entries: list[directory.Entry], kind: str, resource_id: str) -> FhirResponse:
    for entry in entries:
        if entry.resource["id"] == resource_id:
            return FhirResponse(entry.resource)
    raise FhirProblem([Issue(f"{kind}/{resource_id}", f"{kind}/{resource_id} is not known",
                             "not-found")], status=404)


@router.get("/metadata", responses=_ok(s.CapabilityStatement), response_model=None)
def metadata(ctx: PublicCtx, request: Request) -> FhirResponse:
    """The CapabilityStatement: resources, interactions and search parameters (public)."""
    return FhirResponse(capability.statement(_base(request), utcnow()))


@router.get("/Organization", responses={**_ok(s.Bundle), **SEARCH_ERRORS}, response_model=None)
def search_organizations(ctx: DirectoryCtx, request: Request, identifier: Token = None,
                         name: Str = None, postcode: Postcode = None, type: Token = None,
                         last_updated: LastUpdated = None, count: Count = bundle.DEFAULT_COUNT,
                         offset: Offset = 0) -> FhirResponse:
    """Organisations (AGB code and our id as identifiers); a searchset Bundle."""
    search = bundle.Search(identifier=identifier, name=name, postcode=postcode, type=type,
                           last_updated=last_updated or (), count=count, offset=offset)
    return _found(directory.organisations(ctx.session), "Organization", search, request)


@router.get("/Organization/{resource_id}", responses={**_ok(s.Resource), **READ_ERRORS},
            response_model=None)
def read_organization(ctx: DirectoryCtx, resource_id: FhirId) -> FhirResponse:
    """One organisation."""
    return _read(directory.organisations(ctx.session), "Organization", resource_id)


@router.get("/Location", responses={**_ok(s.Bundle), **SEARCH_ERRORS}, response_model=None)
def search_locations(ctx: DirectoryCtx, request: Request, identifier: Token = None,
                     name: Str = None, postcode: Postcode = None, type: Token = None,
                     organization: Str = None, partof: Str = None,
                     last_updated: LastUpdated = None, count: Count = bundle.DEFAULT_COUNT,
                     offset: Offset = 0) -> FhirResponse:
    """Sites (physical type si) and care units (wa, part of their site; operationalStatus in
    v2-0116). ``type`` matches the physical type."""
    search = bundle.Search(identifier=identifier, name=name, postcode=postcode, type=type,
                           organization=organization, partof=partof,
                           last_updated=last_updated or (), count=count, offset=offset)
    return _found(directory.locations(ctx.session), "Location", search, request)


@router.get("/Location/{resource_id}", responses={**_ok(s.Resource), **READ_ERRORS},
            response_model=None)
def read_location(ctx: DirectoryCtx, resource_id: FhirId) -> FhirResponse:
    """One site (``site-{id}``) or care unit (``unit-{id}``)."""
    return _read(directory.locations(ctx.session), "Location", resource_id)


@router.get("/HealthcareService", responses={**_ok(s.Bundle), **SEARCH_ERRORS},
            response_model=None)
def search_services(ctx: DirectoryCtx, request: Request, identifier: Token = None,
                    name: Str = None, type: Token = None, organization: Str = None,
                    location: Str = None, last_updated: LastUpdated = None,
                    count: Count = bundle.DEFAULT_COUNT, offset: Offset = 0) -> FhirResponse:
    """A unit's beds of one type (``type`` = bed-type code) with their availability, and
    district-nursing teams (``type`` = district_nursing) with their intake."""
    search = bundle.Search(identifier=identifier, name=name, type=type,
                           organization=organization, location=location,
                           last_updated=last_updated or (), count=count, offset=offset)
    return _found(directory.services(ctx.session), "HealthcareService", search, request)


@router.get("/HealthcareService/{resource_id}", responses={**_ok(s.Resource), **READ_ERRORS},
            response_model=None)
def read_service(ctx: DirectoryCtx, resource_id: FhirId) -> FhirResponse:
    """One bed service (``unit-{id}.{bed-type}``) or team (``team-{id}``)."""
    return _read(directory.services(ctx.session), "HealthcareService", resource_id)


def _reference_id(value: str | None, kind: str, parameter: str) -> str | None:
    if value is None:
        return None
    found = value.rsplit("/", 1)
    if len(found) == 2 and found[0].rsplit("/", 1)[-1] != kind:
        raise invalid(parameter, f"expected a {kind} reference")
    return found[-1]


@router.get("/MeasureReport", responses={**_ok(s.Bundle), **SEARCH_ERRORS},
            response_model=None)
def search_measure_reports(ctx: BoardCtx, request: Request, subject: Str = None,
                           reporter: Str = None, count: Count = bundle.DEFAULT_COUNT,
                           offset: Offset = 0) -> FhirResponse:
    """Current availability, one SANER MeasureReport per care unit; ``reporter`` gives one
    organisation's, ``subject=Location/unit-{id}`` one unit's."""
    unit = _reference_id(subject, "Location", "subject")
    org = _reference_id(reporter, "Organization", "reporter")
    unit_ids = None
    if unit is not None:
        unit_ids = [int(unit[5:])] if unit.startswith("unit-") and unit[5:].isdigit() \
            and len(unit) < 15 else []
    org_id = int(org) if org is not None and org.isdigit() and len(org) < 10 else (
        None if org is None else -1)
    found = saner.rows(ctx.session, unit_ids=unit_ids, organisation_id=org_id)
    reports = saner.unit_reports(ctx.session, found, utcnow())
    search = bundle.Search(subject=subject, reporter=reporter, count=count, offset=offset)
    return FhirResponse(bundle.searchset(_base(request), "MeasureReport", reports, search))


@router.get("/MeasureReport/{resource_id}",
            responses={**_ok(s.MeasureReport, EXAMPLE), **READ_ERRORS},
            response_model=None)
def read_measure_report(ctx: BoardCtx, resource_id: FhirId) -> FhirResponse:
    """``unit-{id}``: one unit now; ``region-{id}``: a region's sums per bed type;
    ``region``: every region's (``evaluatedResource`` names the unit reports summed)."""
    now = utcnow()
    if resource_id == "region":
        return FhirResponse(saner.aggregate(ctx.session, None, now))
    for prefix in ("region-", "unit-"):
        number = resource_id.removeprefix(prefix)
        if resource_id.startswith(prefix) and number.isdigit() and len(number) < 10:
            if prefix == "region-":
                if ctx.session.get(Region, int(number)) is not None:
                    return FhirResponse(saner.aggregate(ctx.session, int(number), now))
            else:
                reports = saner.unit_reports(
                    ctx.session, saner.rows(ctx.session, unit_ids=[int(number)]), now)
                if reports:
                    return FhirResponse(reports[0])
    raise FhirProblem([Issue(f"MeasureReport/{resource_id}",
                             f"MeasureReport/{resource_id} is not known", "not-found")], 404)


@router.post("/MeasureReport", status_code=201, response_model=None,
             responses={201: {"model": s.OperationOutcome, "content": {codes.FHIR_JSON: {}},
                              "description": "Accepted: one report per Beds group."},
                        **ERRORS})
def create_measure_report(ctx: ReportCtx,
                          body: Annotated[s.MeasureReport, MEASURE_REPORT_BODY]) -> FhirResponse:
    """A provider's SANER MeasureReport as availability reports, all or nothing: the subject
    is one of your own ``Location/unit-{id}`` (or ``site-{id}`` with one unit per bed type),
    one Beds group per bed type."""
    accepted = receive.submit(ctx.session, ctx.user,
                              body.model_dump(by_alias=True, exclude_none=True))
    return FhirResponse(outcome([Issue("", f"{accepted} reports accepted", "informational")],
                                severity="information"), status_code=201)
