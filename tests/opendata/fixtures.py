"""Shared helpers for tests that need the real open data: parsed once per test process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.opendata import service
from verkeerstoren.opendata.reading import Parsed

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@cache
def parsed_defaults() -> tuple[Parsed, ...]:
    """Every default file of ../shared/data, parsed and checked (no database)."""
    return tuple(service.parse_defaults(DATA_DIR))


def parsed(key: str, year: int) -> Parsed:
    """One parsed data set by key and year."""
    return next(p for p in parsed_defaults() if p.key == key and p.year == year)


def load_region(session: Session, keys: tuple[str, ...] | None = None) -> None:
    """Store open data (all, or the data sets with these keys) for the demo region's
    gemeenten in the (rolled-back) session."""
    keep = service.region_scope(session)
    actor = system_actor("test")
    for p in parsed_defaults():
        if keys is None or p.key in keys:
            service.store(session, actor, p, keep=keep)
