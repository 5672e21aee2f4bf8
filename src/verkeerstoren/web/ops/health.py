"""``/healthz`` and ``/readyz``: is this process alive, and may it take traffic?

Both run the same three checks — the database answers (within 3 s), the schema is at the
migrations' head (an app newer or older than its database must not serve), and this process's
background work is alive (every job it started — hold expiry, pulls, webhooks, audit
checkpoints — still runs, and on PostgreSQL its LISTEN connection for live events is up,
otherwise its boards go stale) — and both show all three in their body. They differ in what
decides the status code:

- ``/healthz`` is liveness, for a process supervisor: 200 while the process answers and
  reaches its database, 503 when it cannot reach it. A schema behind the code or a stopped
  job does not fail it (the body says so, and ``"ready": false``): restarting the process
  would not mend a migration, and during a rolling upgrade that would restart every host.
- ``/readyz`` is readiness, for the load balancer: 200 only when all three are ok.

Neither goes through the request queue (web/deps.py ``admitted``): a busy process is alive,
and its liveness check must not be refused with the 503 of a full queue.
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


async def _checks(request: Request) -> dict[str, str]:
    """{"database", "migrations", "background"}: "ok" or what is wrong."""
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
    return checks


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """200 when this process can take traffic, 503 with the reasons otherwise."""
    checks = await _checks(request)
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "pid": os.getpid(),
                         "checks": checks}, status_code=200 if ready else 503)


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """Liveness: 200 while the process answers and reaches its database, else 503; the body
    also says whether it is ready (migrations, background work) — /readyz acts on that."""
    checks = await _checks(request)
    alive = checks["database"] == "ok"
    return JSONResponse({"status": "ok" if alive else "database unreachable",
                         "ready": all(value == "ok" for value in checks.values()),
                         "pid": os.getpid(), "checks": checks},
                        status_code=200 if alive else 503)
