"""JSON API of the registry (mounted under /api/v1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile

from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.registry import importer, service
from verkeerstoren.registry.fields import MAX_ID
from verkeerstoren.registry.models import (
    BedType,
    CareUnit,
    Feature,
    Gemeente,
    Location,
    NursingTeam,
    Organisation,
    Skill,
    Wijk,
)
from verkeerstoren.registry.schemas import (
    BedTypeOut,
    CareUnitIn,
    CareUnitOut,
    CareUnitUpdate,
    FeatureOut,
    GemeenteOut,
    ImportSummaryOut,
    LocationIn,
    LocationOut,
    LocationUpdate,
    NursingTeamIn,
    NursingTeamOut,
    NursingTeamUpdate,
    OrganisationIn,
    OrganisationOut,
    OrganisationUpdate,
    SkillOut,
    WijkOut,
)
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import edit, view

router = APIRouter(tags=["registry"])

ViewCtx = Annotated[Ctx, view(Permission.REGISTRY_VIEW)]
EditCtx = Annotated[Ctx, edit(Permission.REGISTRY_EDIT)]
CreateOrgCtx = Annotated[Ctx, edit(Permission.ORGANISATION_CREATE)]
ImportCtx = Annotated[Ctx, edit(Permission.REGISTRY_IMPORT)]
Search = Annotated[str | None, Query(max_length=200, description="Part of the name.")]
OrgFilter = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this organisation.")]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
GemeenteCodePath = Annotated[str, Path(max_length=6, pattern=r"^GM[0-9]{4}$")]


# --- organisations -------------------------------------------------------------------------


@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(ctx: ViewCtx, q: Search = None) -> Sequence[Organisation]:
    """Every organisation (all roles may read the registry), optionally filtered by name."""
    return service.list_organisations(ctx.session, q)


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(ctx: CreateOrgCtx, body: OrganisationIn) -> Organisation:
    """Add an organisation (administrators)."""
    return service.create_organisation(ctx.session, ctx.user, body)


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut)
def get_organisation(ctx: ViewCtx, organisation_id: ItemId) -> Organisation:
    """One organisation."""
    return service.get_organisation(ctx.session, organisation_id)


@router.put("/organisations/{organisation_id}", response_model=OrganisationOut)
def update_organisation(
    ctx: EditCtx, organisation_id: ItemId, body: OrganisationUpdate
) -> Organisation:
    """Change an organisation: providers their own, administrators any."""
    return service.update_organisation(ctx.session, ctx.user, organisation_id, body)


# --- locations -----------------------------------------------------------------------------


@router.get("/locations", response_model=list[LocationOut])
def list_locations(
    ctx: ViewCtx, q: Search = None, organisation_id: OrgFilter = None
) -> Sequence[Location]:
    """Locations, optionally filtered by name and organisation."""
    return service.list_locations(ctx.session, q, organisation_id)


@router.post("/locations", response_model=LocationOut, status_code=201)
def create_location(ctx: EditCtx, body: LocationIn) -> Location:
    """Add a location; a provider's location belongs to its own organisation."""
    return service.create_location(ctx.session, ctx.user, body)


@router.get("/locations/{location_id}", response_model=LocationOut)
def get_location(ctx: ViewCtx, location_id: ItemId) -> Location:
    """One location."""
    return service.get_location(ctx.session, location_id)


@router.put("/locations/{location_id}", response_model=LocationOut)
def update_location(ctx: EditCtx, location_id: ItemId, body: LocationUpdate) -> Location:
    """Change a location of the actor's organisation (administrators: any)."""
    return service.update_location(ctx.session, ctx.user, location_id, body)


# --- care units ----------------------------------------------------------------------------


@router.get("/units", response_model=list[CareUnitOut])
def list_units(
    ctx: ViewCtx,
    q: Search = None,
    organisation_id: OrgFilter = None,
    location_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Sequence[CareUnit]:
    """Care units with their beds per bed type and features."""
    return service.list_units(ctx.session, q, location_id, organisation_id)


@router.post("/units", response_model=CareUnitOut, status_code=201)
def create_unit(ctx: EditCtx, body: CareUnitIn) -> CareUnit:
    """Add a care unit at one of the actor's locations."""
    return service.create_unit(ctx.session, ctx.user, body)


@router.get("/units/{unit_id}", response_model=CareUnitOut)
def get_unit(ctx: ViewCtx, unit_id: ItemId) -> CareUnit:
    """One care unit."""
    return service.get_unit(ctx.session, unit_id)


@router.put("/units/{unit_id}", response_model=CareUnitOut)
def update_unit(ctx: EditCtx, unit_id: ItemId, body: CareUnitUpdate) -> CareUnit:
    """Change a care unit; lists sent replace the unit's lists."""
    return service.update_unit(ctx.session, ctx.user, unit_id, body)


# --- district-nursing teams ----------------------------------------------------------------


@router.get("/teams", response_model=list[NursingTeamOut])
def list_teams(
    ctx: ViewCtx, q: Search = None, organisation_id: OrgFilter = None
) -> Sequence[NursingTeam]:
    """District-nursing teams with their skills and service areas."""
    return service.list_teams(ctx.session, q, organisation_id)


@router.post("/teams", response_model=NursingTeamOut, status_code=201)
def create_team(ctx: EditCtx, body: NursingTeamIn) -> NursingTeam:
    """Add a district-nursing team; a provider's team belongs to its own organisation."""
    return service.create_team(ctx.session, ctx.user, body)


@router.get("/teams/{team_id}", response_model=NursingTeamOut)
def get_team(ctx: ViewCtx, team_id: ItemId) -> NursingTeam:
    """One district-nursing team."""
    return service.get_team(ctx.session, team_id)


@router.put("/teams/{team_id}", response_model=NursingTeamOut)
def update_team(ctx: EditCtx, team_id: ItemId, body: NursingTeamUpdate) -> NursingTeam:
    """Change a team; lists sent replace the team's lists."""
    return service.update_team(ctx.session, ctx.user, team_id, body)


# --- reference lists -----------------------------------------------------------------------


@router.get("/bed-types", response_model=list[BedTypeOut])
def list_bed_types(ctx: ViewCtx) -> Sequence[BedType]:
    """Every bed type in display order."""
    return service.list_bed_types(ctx.session)


@router.get("/features", response_model=list[FeatureOut])
def list_features(ctx: ViewCtx) -> Sequence[Feature]:
    """Every care-unit feature."""
    return service.list_features(ctx.session)


@router.get("/skills", response_model=list[SkillOut])
def list_skills(ctx: ViewCtx) -> Sequence[Skill]:
    """Every district-nursing skill."""
    return service.list_skills(ctx.session)


@router.get("/gemeenten", response_model=list[GemeenteOut])
def list_gemeenten(ctx: ViewCtx, q: Search = None) -> Sequence[Gemeente]:
    """Municipalities with their population."""
    return service.list_gemeenten(ctx.session, q)


@router.get("/gemeenten/{code}/wijken", response_model=list[WijkOut])
def list_wijken(ctx: ViewCtx, code: GemeenteCodePath) -> Sequence[Wijk]:
    """The neighbourhoods of one municipality."""
    gemeente = service.get_gemeente(ctx.session, code)
    return service.list_wijken(ctx.session, gemeente.code)


# --- import --------------------------------------------------------------------------------


@router.post(
    "/registry/import",
    response_model=ImportSummaryOut,
    responses={422: {"description": "Every problem of the file; nothing was written."}},
)
def import_registry(
    ctx: ImportCtx,
    file: Annotated[UploadFile, File(description="CSV file (UTF-8 or Excel, , or ;).")],
    kind: Annotated[importer.Kind, Query(description="units or teams")] = "units",
) -> ImportSummaryOut:
    """All-or-nothing CSV import of care units or district-nursing teams (administrators)."""
    data = file.file.read(importer.MAX_BYTES + 1)
    if len(data) > importer.MAX_BYTES:
        raise ValidationErrors([ValidationProblem("file", "The file is larger than 5 MB.")])
    summary = importer.import_csv(ctx.session, kind, data)
    return ImportSummaryOut.model_validate(summary.as_dict())
