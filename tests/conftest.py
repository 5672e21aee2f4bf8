"""Fixtures: one migrated, demo-built database per run; every test rolls back.

The suite runs on SQLite by default and on PostgreSQL when VERKEERSTOREN_TEST_DATABASE is a
postgresql:// URL of a server where we may create databases: each run creates its own database
(so runs never collide) and drops it at the end.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.app import create_app
from verkeerstoren.demo.builder import DemoResult, build_demo
from verkeerstoren.outbound import Outbound
from verkeerstoren.runtime import install_hooks
from verkeerstoren.settings import DEV_SECRET_KEY, Environment, Settings
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.db import normalise_url

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TEST_PASSWORD = "demo-wachtwoord-2024"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
FORM_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def backend() -> str:
    return os.environ.get("VERKEERSTOREN_TEST_DATABASE", "sqlite")


def is_postgres() -> bool:
    return backend().startswith("postgres")


def _create_database(tmp: Path, name: str) -> tuple[str, Callable[[], None]]:
    """A new empty database and a function that removes it."""
    if not is_postgres():
        return f"sqlite:///{tmp / (name + '.db')}", lambda: None
    server = make_url(normalise_url(backend()))
    db_name = f"vt_{name}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=db_name).render_as_string(hide_password=False), drop


# Pull and webhook tests talk to small HTTP servers on 127.0.0.1, an address that is refused
# unless allowed (verkeerstoren.outbound); LOCAL is the test app's policy for direct calls.
LOCAL_NETWORKS = "127.0.0.0/8,::1"
LOCAL = Outbound.from_networks(LOCAL_NETWORKS)


def _settings(url: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        database_url=url,
        secret_key=DEV_SECRET_KEY,
        data_dir=DATA_DIR,
        outbound_allowed_networks=LOCAL_NETWORKS,
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = _create_database(tmp_path_factory.mktemp("db"), "main")
    migrate.upgrade(url)
    yield url
    drop()


@pytest.fixture(scope="session")
def db(database_url: str) -> Iterator[Database]:
    database = install_hooks(Database(database_url))
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def demo(db: Database) -> DemoResult:
    """The demo region, built once per run with the same builder as `verkeerstoren demo`."""
    with db.session() as session:
        bind_actor(session, system_actor("test fixture"))
        return build_demo(session, DATA_DIR if DATA_DIR.is_dir() else None)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return _settings(database_url)


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database, demo: DemoResult) -> FastAPI:
    return create_app(settings, db)


def _bind_to_rolled_back_connection(database: Database) -> Iterator[Session]:
    # SQLAlchemy's "join a session into an external transaction" recipe: every session the
    # app opens during the test works in a savepoint of one outer transaction we roll back.
    connection = database.engine.connect()
    outer = connection.begin()
    database.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    session = database.sessionmaker()
    bind_actor(session, system_actor("test"))
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()
        database.sessionmaker.configure(bind=database.engine)


@pytest.fixture
def session(db: Database, demo: DemoResult) -> Iterator[Session]:
    """A session on the demo database; everything the test (and the app) writes is undone."""
    yield from _bind_to_rolled_back_connection(db)


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url, drop = _create_database(tmp_path_factory.mktemp("empty"), "empty")
    migrate.upgrade(url)
    database = install_hooks(Database(url))
    yield database
    database.dispose()
    drop()


@pytest.fixture
def empty_session(empty_db: Database) -> Iterator[Session]:
    """A session on a migrated database without the demo region; rolled back afterwards."""
    yield from _bind_to_rolled_back_connection(empty_db)


class Browser(TestClient):
    """A test client that knows its CSRF token, as a browser page would."""

    csrf: str = ""

    def refresh_csrf(self) -> str:
        page = self.get("/login")
        match = FORM_CSRF_RE.search(page.text)
        assert match, "login page carries a CSRF token"
        self.csrf = match.group(1)
        self.headers["X-CSRF-Token"] = self.csrf
        return self.csrf


@pytest.fixture
def client(app: FastAPI, session: Session) -> Iterator[Browser]:
    """An anonymous browser."""
    with Browser(app, base_url="http://testserver") as browser:
        yield browser


@pytest.fixture
def login(app: FastAPI, session: Session, demo: DemoResult) -> Iterator[Callable[[str], Browser]]:
    """Log in as the demo user of a role ("provider2" is a provider of another organisation)."""
    opened: list[Browser] = []
    by_key = {u.email.split("@")[0]: u for u in demo.users}

    def _login(who: str) -> Browser:
        user = by_key[who]
        browser = Browser(app, base_url="http://testserver")
        browser.__enter__()
        opened.append(browser)
        token = browser.refresh_csrf()
        answer = browser.post(
            "/login",
            data={"email": user.email, "password": user.password, "csrf_token": token,
                  "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        home = browser.get("/")
        match = CSRF_RE.search(home.text)
        assert match
        browser.csrf = match.group(1)
        browser.headers["X-CSRF-Token"] = browser.csrf
        return browser

    yield _login
    for browser in opened:
        browser.__exit__(None, None, None)
