"""JSON routes of the interop capability under ``/api/v1`` (the standards' own endpoints, such
as ``/fhir``, are mounted by ``pages.py`` because they live outside ``/api/v1``)."""

from __future__ import annotations

from fastapi import APIRouter

from verkeerstoren.interop.edxl.api import router as edxl_router

router = APIRouter(tags=["interop"])
router.include_router(edxl_router)
