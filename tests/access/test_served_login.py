"""What the running server does by itself, proven on two `verkeerstoren serve` processes that
share one database: a logout on one ends the session on the other, failed logins count across
both, and HSTS follows X-Forwarded-Proto only from the proxy the settings trust."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import _create_database
from verkeerstoren.access import service
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.registry.models import Organisation, OrganisationKind
from verkeerstoren.storage import Database, migrate

PASSWORD = "een-wachtwoord-voor-twee"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
META_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Servers:
    a: str  # trusts 127.0.0.1 as its proxy
    b: str  # trusts no proxy


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(
    url: str, workdir: Path, name: str, extra: dict[str, str]
) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERKEERSTOREN_")}
    env.update({"VERKEERSTOREN_DATABASE_URL": url, "VERKEERSTOREN_PULL_ENABLED": "false",
                "VERKEERSTOREN_LOGIN_MAX_FAILURES_PER_ACCOUNT": "3", **extra})
    with (workdir / f"{name}.log").open("w") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            [sys.executable, "-m", "verkeerstoren", "serve", "--port", str(port)],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((workdir / f"{name}.log").read_text())
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=20)
    raise RuntimeError("server did not start:\n" + (workdir / f"{name}.log").read_text())


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    workdir = tmp_path_factory.mktemp("served_login")
    url, drop = _create_database(workdir, "served_login")
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        bind_actor(session, system_actor("test"))
        org = Organisation(name="Ziekenhuis Test", kind=OrganisationKind.PROVIDER)
        session.add(org)
        session.flush()
        for mailbox in ("een", "twee"):
            service.create_user(session, email=f"{mailbox}@example.org", name=mailbox,
                                password=PASSWORD, role=Role.VIEWER, organisation_id=org.id)
    db.dispose()
    started: list[subprocess.Popen[bytes]] = []
    try:
        a, process = _start(url, workdir, "a", {"VERKEERSTOREN_TRUSTED_PROXIES": "127.0.0.1"})
        started.append(process)
        b, process = _start(url, workdir, "b", {})
        started.append(process)
        yield Servers(a, b)
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=20)
        drop()


def _login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    match = CSRF.search(client.get("/login").text)
    assert match
    return client.post("/login", data={"email": email, "password": password,
                                        "csrf_token": match.group(1)})


def test_a_logout_on_one_server_ends_the_session_on_the_other(servers: Servers) -> None:
    with httpx.Client(base_url=servers.a) as a, httpx.Client(base_url=servers.b) as b:
        assert _login(a, "een@example.org", PASSWORD).status_code == 303
        b.cookies.set("vt_session", a.cookies["vt_session"])
        assert b.get("/").status_code == 200
        home = a.get("/")
        match = META_CSRF.search(home.text)
        assert match
        assert a.post("/logout", data={"csrf_token": match.group(1)}).status_code == 303
        # The same cookie, still valid by its signature and age, no longer logs in anywhere.
        again = b.get("/")
        assert again.status_code == 303
        assert again.headers["location"].startswith("/login")


def test_failed_logins_count_across_servers(servers: Servers) -> None:
    with httpx.Client(base_url=servers.a) as a, httpx.Client(base_url=servers.b) as b:
        codes = [_login(c, "twee@example.org", "fout-wachtwoord").status_code for c in (a, b, a)]
        assert codes == [401, 401, 401]
        refused = _login(b, "twee@example.org", PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "Te veel mislukte inlogpogingen" in refused.text


def test_hsts_follows_the_trusted_proxy_only(servers: Servers) -> None:
    proto = {"X-Forwarded-Proto": "https"}
    assert "max-age=" in httpx.get(f"{servers.a}/healthz", headers=proto).headers[
        "strict-transport-security"]
    assert "strict-transport-security" not in httpx.get(f"{servers.a}/healthz").headers
    assert "strict-transport-security" not in httpx.get(f"{servers.b}/healthz",
                                                        headers=proto).headers
