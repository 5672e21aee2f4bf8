"""The API answers as its OpenAPI document says: schemathesis against `verkeerstoren serve`.

Every schemathesis check but one runs (docs/api.md gives the exclusion, the one setting and
why) over every operation with an administrator's and a provider's token, with a fixed seed and
a bounded number of examples per operation. Any server error, schema violation or undocumented
status fails.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, serve_demo

pytestmark = pytest.mark.e2e

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261204
EXAMPLES = 10
# docs/api.md says why: pydantic's lax mode takes 0 for false and false for 0.0.
NOT_APPLICABLE = ("negative_data_rejection",)
# Revoking a token is fuzzed last, on a token of its own: it may revoke the one it runs with.
REVOKE = "^/api/v1/tokens/{token_id}/revoke$"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def issue_tokens(base: str) -> dict[str, str]:
    """Bearer tokens issued by the demo administrator through the API, as a real one would."""
    with httpx.Client(base_url=base) as admin:
        csrf = _csrf(admin.get("/login").text)
        login = admin.post("/login", data={"email": "admin@demo.verkeerstoren.nl",
                                           "password": PASSWORD, "next": "/",
                                           "csrf_token": csrf})
        assert login.status_code == 303, login.text
        headers = {"X-CSRF-Token": _csrf(admin.get("/").text)}
        own = admin.get("/api/v1/me").json()["organisation_id"]
        provider_org = next(o["id"] for o in admin.get("/api/v1/organisations").json()
                            if o["name"].startswith("Zorggroep Zoetermeer"))
        tokens = {}
        for name, role, org in (("admin", "admin", own), ("provider", "provider", provider_org),
                                ("revoker", "admin", own)):
            issued = admin.post("/api/v1/tokens", headers=headers,
                                json={"name": f"schemathesis {name}", "role": role,
                                      "organisation_id": org})
            assert issued.status_code == 201, issued.text
            tokens[name] = issued.json()["secret"]
        return tokens


def schemathesis(base: str, token: str, report: Path, *operations: str) -> str:
    """One schemathesis run over the served API; its console output."""
    command = [
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color", "run",
        f"{base}/openapi.json", "--header", f"Authorization: Bearer {token}",
        "--checks", "all", "--exclude-checks", ",".join(NOT_APPLICABLE),
        "--seed", str(SEED), "--max-examples", str(EXAMPLES),
        # One worker: with two threads, Hypothesis describing filter lambdas (ast.parse) in
        # both at once hit CPython 3.11's "AST constructor recursion depth mismatch"
        # SystemError inside schemathesis, a crash of the fuzzer, not a finding about the API.
        "--workers", "1", "--report", "junit", "--report-dir", str(report),
        *operations,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False,
                          cwd=report.parent)  # its .schemathesis cache stays out of the tree
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-20000:]
    return output


@pytest.fixture
def fuzzed_demo(tmp_path: Path) -> Iterator[str]:
    """A demo region of its own: the fuzzer changes it, the browser tests' one must not."""
    workdir = tmp_path / "serve"
    workdir.mkdir()
    with serve_demo(workdir) as base:
        yield base


def test_the_api_answers_as_its_openapi_document_says(
    fuzzed_demo: str, tmp_path: Path
) -> None:
    if not SCHEMATHESIS.exists():
        pytest.fail(f"{SCHEMATHESIS} is missing: install requirements.lock")
    tokens = issue_tokens(fuzzed_demo)
    runs = [
        ("admin", schemathesis(fuzzed_demo, tokens["admin"], tmp_path / "admin",
                               "--exclude-path-regex", REVOKE)),
        ("provider", schemathesis(fuzzed_demo, tokens["provider"], tmp_path / "provider",
                                  "--exclude-path-regex", REVOKE)),
        ("revoke", schemathesis(fuzzed_demo, tokens["revoker"], tmp_path / "revoke",
                                "--include-path-regex", REVOKE)),
    ]
    for name, output in runs:
        summary = re.search(r"(\d+) generated, .*", output)
        assert summary, output[-5000:]
        print(f"schemathesis {name}: {summary.group(0)}")
        assert "failures" not in output.splitlines()[-1], output[-20000:]
