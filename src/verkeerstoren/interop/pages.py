"""Routes of the interop capability outside ``/api/v1``: the standards' own endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from verkeerstoren.interop.fhir.api import router as fhir_router
from verkeerstoren.web.templating import NavItem

router = APIRouter()
router.include_router(fhir_router)
NAV: list[NavItem] = []
