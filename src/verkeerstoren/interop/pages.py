"""Routes of the interop capability outside ``/api/v1``: the standards' own endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from verkeerstoren.web.templating import NavItem

router = APIRouter()
NAV: list[NavItem] = []
