"""End-to-end harness: `verkeerstoren serve --demo` in a subprocess, driven by Debian's chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = os.environ.get("VERKEERSTOREN_CHROMIUM", "/usr/bin/chromium")
# Without these flags chromium keeps trying to reach Google's services, which this closed
# network refuses many times a second.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve_demo(workdir: Path) -> Iterator[str]:
    """Base URL of a freshly built demo region served by the real CLI from ``workdir``."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERKEERSTOREN_")}
    # A one-minute hold is allowed and expiry is looked for every second, so that
    # test_hold_expiry sees a hold end by itself in about a minute.
    env |= {"VERKEERSTOREN_HOLD_MINUTES_MIN": "1", "VERKEERSTOREN_HOLD_EXPIRY_CHECK_SECONDS": "1"}
    log = (workdir / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "verkeerstoren", "serve", "--demo", "--port", str(port)],
        cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(Path(log.name).read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("server did not start:\n" + Path(log.name).read_text())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The browser tests' demo region, shared by all of them."""
    with serve_demo(tmp_path_factory.mktemp("serve")) as base:
        yield base


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-packages")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


PASSWORD = "demo-wachtwoord-2024"  # every demo user's (demo/builder.py)
PHONE: ViewportSize = {"width": 390, "height": 844}


def login_page(context: BrowserContext, base: str, who: str, next_path: str) -> Page:
    """A new page of ``context``, logged in as the demo user ``who`` and opened at ``next_path``."""
    page = context.new_page()
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("E-mailadres").fill(f"{who}@demo.verkeerstoren.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}{next_path}")
    return page
