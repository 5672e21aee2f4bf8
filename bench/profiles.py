"""Benchmark of Regiobeeld: loading all open data, and the region profile page server time.

Run: ``.venv/bin/python -m bench.profiles [postgresql://…/db]``. Builds a throw-away demo
region (SQLite unless a PostgreSQL URL of an empty database is given), times loading every
default open-data file (a) for the whole country and (b) for the demo regions only, then times
``GET /regiobeeld`` (map + tables of the 12 gemeenten and 117 wijken of both demo regions) and
a wijk profile through the ASGI app. Prints median and p95.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

# A benchmark drives the app like a browser; it is not domain code.
from starlette.testclient import TestClient  # noqa: TID251

from bench.pages import authenticated_get, login
from bench.stats import summary
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.app import create_app
from verkeerstoren.demo.builder import build_demo
from verkeerstoren.opendata import service
from verkeerstoren.runtime import install_hooks
from verkeerstoren.settings import DEV_SECRET_KEY, Environment, Settings
from verkeerstoren.storage import Database, migrate

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _stats(name: str, times: list[float]) -> None:
    print(f"{name}: {summary(times)}")


def _load(db: Database, whole_country: bool) -> float:
    start = time.perf_counter()
    with db.session() as session:
        actor = system_actor("bench")
        bind_actor(session, actor)
        keep = None if whole_country else service.region_scope(session)
        service.load_all(session, actor, DATA, keep=keep)
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        with db.session() as session:
            bind_actor(session, system_actor("bench"))
            build_demo(session, DATA)
        print(f"database: {db.engine.dialect.name}")
        print(f"load all open data, whole country (first load): {_load(db, True):.1f} s")
        print(f"load all open data, whole country (replacing): {_load(db, True):.1f} s")
        print(f"load all open data, demo regions only: {_load(db, False):.1f} s")
        settings = Settings(environment=Environment.TEST, database_url=url,
                            secret_key=DEV_SECRET_KEY)
        with TestClient(create_app(settings, db)) as client:
            login(client, "viewer@demo.verkeerstoren.nl")
            for path, name in (("/regiobeeld", "region page /regiobeeld (129 areas, map)"),
                               ("/regiobeeld?indicator=lonely@65%2B",
                                "region page, another indicator"),
                               ("/regiobeeld/area/WK063702", "wijk profile page"),
                               ("/wachttijden", "waiting times region view")):
                authenticated_get(client, path)  # warm-up
                times: list[float] = []
                for _ in range(30):
                    start = time.perf_counter()
                    authenticated_get(client, path)
                    times.append(time.perf_counter() - start)
                _stats(name, times)
        db.dispose()


if __name__ == "__main__":
    main()
