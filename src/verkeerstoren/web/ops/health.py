"""``/readyz``: may this process take traffic? For the load balancer and the monitoring.

``/healthz`` (web/pages.py) stays the liveness check: the process answers and reaches the
database. ``/readyz`` also asks whether the schema is at the migrations' head (an app newer or
older than its database must not serve) and whether this process's background work is alive:
every job it started (hold expiry, pulls, webhooks, audit checkpoints) still runs, and on
PostgreSQL its LISTEN connection for live events is up (otherwise its boards go stale).
Answers 200 or 503 with the checks that failed; never goes through the request queue.
"""

from __future__ import annotations

import os
from typing import Any

import anyio
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from verkeerstoren.background import Job
from verkeerstoren.storage import Database
from verkeerstoren.storage.db import READ_ONLY
from verkeerstoren.storage.migrate import alembic_config

# A database that does not answer in this time counts as unreachable.
CHECK_SECONDS = 3.0

router = APIRouter(tags=["health"])


def migration_heads(db: Database) -> set[str]:
    """The revisions the code expects (read once per app: the scripts do not change)."""
    return set(ScriptDirectory.from_config(alembic_config(db.url)).get_heads())


def _database_revisions(db: Database) -> set[str]:
    # A reader: on SQLite it takes no write lock (storage.db.READ_ONLY).
    with db.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def job_problems(jobs: list[Job], listener: Any) -> list[str]:
    """The background work of this process that is no longer alive."""
    dead = [job.task.get_name() for job in jobs if job.task is not None and job.task.done()]
    problems = [f"background job {name} has stopped" for name in dead]
    if listener is not None and not listener.connected:
        problems.append("the LISTEN connection for live events is down")
    return problems


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """200 when this process can take traffic, 503 with the reasons otherwise."""
    state = request.app.state
    db: Database = state.db
    checks: dict[str, str] = {}
    try:
        with anyio.fail_after(CHECK_SECONDS):
            found = await anyio.to_thread.run_sync(_database_revisions, db,
                                                   abandon_on_cancel=True)
        checks["database"] = "ok"
        wanted: set[str] = state.migration_heads
        checks["migrations"] = ("ok" if found == wanted else
                                f"database at {sorted(found)}, code expects {sorted(wanted)}")
    except Exception as exc:  # unreachable, timed out, or no alembic_version table
        checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["migrations"] = "unknown"
    problems = job_problems(getattr(state, "jobs", []), getattr(state, "listener", None))
    checks["background"] = "ok" if not problems else "; ".join(problems)
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "pid": os.getpid(),
                         "checks": checks}, status_code=200 if ready else 503)
