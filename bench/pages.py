"""Benchmarks that time pages through the ASGI app: log in, and prove every timed answer was
the page itself (issue 18 item 5).

A page asked for without a valid session answers a redirect to the login page; a client that
follows it times the login page and reports 200. Here the login must answer the redirect a
successful login gives (303 to ``next``, not the form again with 401/429), and every timed GET
must be answered 200 without any redirect.
"""

from __future__ import annotations

# A benchmark drives the app like a browser; it is not domain code.
from starlette.testclient import TestClient  # noqa: TID251

from verkeerstoren.demo.builder import DEMO_PASSWORD


def login(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form; raises unless the login succeeded."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", data={"email": email, "password": password,
                                         "csrf_token": token, "next": "/"},
                         follow_redirects=False)
    location = answer.headers.get("location", "")
    if answer.status_code != 303 or location.startswith("/login"):
        raise RuntimeError(f"login as {email} failed: HTTP {answer.status_code} {location}")
    # The session is really there: the home page answers itself, not the login page.
    authenticated_get(client, "/")


def authenticated_get(client: TestClient, path: str) -> None:
    """GET that must be answered 200 by the page itself, not a redirect to the login page."""
    answer = client.get(path, follow_redirects=False)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path}: HTTP {answer.status_code} "
                           f"{answer.headers.get('location', '')}")
