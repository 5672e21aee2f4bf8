"""The logic behind `verkeerstoren import-opendata` (the click wrapper lives in cli.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.opendata import service
from verkeerstoren.storage import Database


def run_import(db: Database, data_dir: Path, *, kind: str | None, path: Path | None,
               year: int | None, whole_country: bool, echo: Callable[[str], None]) -> None:
    """Load every default data set from ``data_dir`` or one file (``kind`` + ``path``).

    By default only the registry's regions are stored (plus NL figures for comparison); a
    refused file raises before anything of that data set is written.
    """
    actor = system_actor("import-opendata")
    started = time.perf_counter()
    with db.session() as session:
        bind_actor(session, actor)
        keep = None if whole_country else service.region_scope(session)
        if kind is not None and path is not None:
            results = [service.load_file(session, actor, kind, path, year=year, keep=keep)]
        else:
            results = service.load_all(session, actor, data_dir, keep=keep)
    for result in results:
        echo(str(result))
        for note in result.notes:
            echo(f"    {note}")
    where = "the Netherlands" if keep is None else f"{len(keep)} gemeenten of the registry"
    echo(f"Loaded {len(results)} data set(s) for {where} in "
         f"{time.perf_counter() - started:.1f} s.")
