"""docs/integrations-edxl.md's curl examples, run as written against `verkeerstoren serve`."""

from __future__ import annotations

import os
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import httpx
from lxml import etree

from tests.e2e.conftest import PASSWORD, serve_demo
from verkeerstoren.interop.edxl.documents import HaveVersion, schema
from verkeerstoren.interop.edxl.mapping import have1_category

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations-edxl.md"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found
    return found.group(1)


def _tokens(base: str, org: int) -> tuple[str, str]:
    """A provider token of ``org`` and a coordinator token, issued by the demo administrator."""
    with httpx.Client(base_url=base) as admin:
        login = admin.post("/login", data={"email": "admin@demo.verkeerstoren.nl",
                                           "password": PASSWORD, "next": "/",
                                           "csrf_token": _csrf(admin.get("/login").text)})
        assert login.status_code == 303, login.text
        headers = {"X-CSRF-Token": _csrf(admin.get("/").text)}
        secrets = []
        for role in ("provider", "coordinator"):
            issued = admin.post("/api/v1/tokens", headers=headers, json={
                "name": f"edxl docs {role}", "role": role, "organisation_id": org})
            assert issued.status_code == 201, issued.text
            secrets.append(issued.json()["secret"])
        return secrets[0], secrets[1]


def _board(base: str, token: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = httpx.get(
        f"{base}/api/v1/board", headers={"Authorization": f"Bearer {token}"}).json()["rows"]
    return rows


def _one_category_unit(rows: list[dict[str, object]]) -> tuple[int, int, str, str]:
    """(organisation, unit, bed type, HAVE 1.0 category) of a unit whose bed type is its only
    one in its HAVE 1.0 category (1.0 cannot tell two apart)."""
    by_unit: dict[int, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        by_unit[int(str(row["unit_id"]))].append(row)
    for unit, unit_rows in sorted(by_unit.items()):
        categories = [have1_category(str(r["bed_type_code"])) for r in unit_rows]
        for row, category in zip(unit_rows, categories, strict=True):
            if categories.count(category) == 1 and int(str(row["staffed"])) >= 2:
                return int(str(row["organisation_id"])), unit, str(row["bed_type_code"]), category
    raise AssertionError("the demo has no unit with one bed type per HAVE 1.0 category")


def test_the_documented_curl_examples_work(tmp_path: Path) -> None:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 3
    workdir = tmp_path / "serve"
    workdir.mkdir()
    with serve_demo(workdir) as base:
        _, region = _tokens(base, 1)
        org, unit1, _, category1 = _one_category_unit(_board(base, region))
        provider, region = _tokens(base, org)
        before = {(r["unit_id"], r["bed_type_code"]): r for r in _board(base, region)}
        unit, bed_type = next((u, b) for (u, b), r in before.items()
                              if r["organisation_id"] == org and int(str(r["staffed"])) >= 2
                              and u != unit1)
        env = {**os.environ, "VT_URL": base, "PROVIDER_TOKEN": provider,
               "REGION_TOKEN": region, "UNIT": str(unit), "BED_TYPE": str(bed_type),
               "ORG": str(org), "UNIT1": str(unit1), "CATEGORY1": category1}
        script = "set -euo pipefail\n" + "\necho\n".join(blocks)
        done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        answers = [line for line in done.stdout.splitlines() if line.startswith("{")]
        assert [a.count('"accepted":1') for a in answers] == [1, 1]
        after = {(r["unit_id"], r["bed_type_code"]): r for r in _board(base, region)}
    assert (after[(unit, bed_type)]["staffed"], after[(unit, bed_type)]["available"]) == (2, 1)
    one_o = next(r for (u, _), r in after.items() if u == unit1
                 and have1_category(str(r["bed_type_code"])) == category1)
    assert (one_o["staffed"], one_o["available"]) == (2, 1)
    for version in HaveVersion:
        exported = etree.parse(str(tmp_path / f"export-{version.value}.xml"))
        schema(version).assertValid(exported)
