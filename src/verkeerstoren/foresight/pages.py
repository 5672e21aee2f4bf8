"""Foresight pages (S2)."""

from __future__ import annotations

from fastapi import APIRouter

from verkeerstoren.web.templating import NavItem

router = APIRouter(include_in_schema=False)
NAV: list[NavItem] = []
