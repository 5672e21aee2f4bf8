"""docs/integrations.md: every ``sh`` example runs as written against a served demo region
(the real ``verkeerstoren serve --demo``), with a provider's API token."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx

from tests.e2e.conftest import serve_demo
from tests.e2e.test_openapi_conformance import issue_tokens

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def examples() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_doc_has_an_example_per_channel() -> None:
    text = "\n".join(examples())
    for endpoint in ("/api/v1/availability", "/api/v1/availability/upload",
                     "/fhir/MeasureReport", "/api/v1/pull-sources", "/fhir/metadata"):
        assert endpoint in text, endpoint
    assert "integrations-edxl.md" in DOC.read_text(encoding="utf-8")


def test_every_example_runs_against_a_served_app(tmp_path: Path) -> None:
    (tmp_path / "serve").mkdir()
    with serve_demo(tmp_path / "serve") as base:
        tokens = issue_tokens(base)
        with httpx.Client(base_url=base,
                          headers={"Authorization": f"Bearer {tokens['admin']}"}) as admin:
            _run_examples(base, tokens, admin, tmp_path)


def _run_examples(base: str, tokens: dict[str, str], admin: httpx.Client,
                  tmp_path: Path) -> None:
    """Run each example as a provider, then check the unit's history shows all three."""
    provider_org = next(o["id"] for o in admin.get("/api/v1/organisations").json()
                        if o["name"].startswith("Zorggroep Zoetermeer"))
    row = next(r for r in admin.get("/api/v1/board").json()["rows"]
               if r["organisation_id"] == provider_org and r["held"] == 0
               and r["physical"] >= 2)
    env = {**os.environ, "VT": base, "TOKEN": tokens["provider"],
           "UNIT": str(row["unit_id"]), "BED_TYPE": row["bed_type_code"]}
    for number, block in enumerate(examples(), start=1):
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              check=False)
        assert done.returncode == 0, (number, block, done.stdout, done.stderr)
    history = admin.get(f"/api/v1/units/{row['unit_id']}/availability",
                        params={"bed_type": row["bed_type_code"]}).json()
    # REST, then the CSV upload, then the MeasureReport: newest first.
    assert [h["source"] for h in history[:3]] == ["fhir", "csv", "api"]
    assert (history[0]["staffed"], history[0]["occupied"]) == (2, 1)
