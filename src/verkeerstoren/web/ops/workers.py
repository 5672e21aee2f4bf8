"""``verkeerstoren serve --workers N``: N uvicorn worker processes, each its own app.

uvicorn starts every worker in a fresh interpreter and builds the app there through
:func:`app_factory`, from the same environment (the parent puts the database URL there). Each
worker has its own pool, LISTEN connection and background jobs; PostgreSQL makes them one
system: live events travel by NOTIFY, and every job claims each piece of due work once
(docs/operations.md, "Several processes").
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fastapi import FastAPI

from verkeerstoren.settings import Settings
from verkeerstoren.web.ops.metrics import MULTIPROC_ENV

SQLITE_ONE_PROCESS = (
    "SQLite is the embedded, one-process database: --workers {workers} needs PostgreSQL "
    "(set VERKEERSTOREN_DATABASE_URL=postgresql://…), or serve with --workers 1.")


def app_factory() -> FastAPI:
    """The app of one worker process (uvicorn's ``factory=True`` target)."""
    from verkeerstoren.app import create_app
    from verkeerstoren.runtime import settle_heap

    app = create_app(Settings())
    settle_heap()
    return app


def prepare_metrics_dir() -> str:
    """The directory the workers share their metrics in: ``PROMETHEUS_MULTIPROC_DIR`` when the
    operator set it (emptied: values of an earlier run would be added in), else a new one."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):
            old.unlink()
    else:
        folder = Path(tempfile.mkdtemp(prefix="verkeerstoren-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    return str(folder)
