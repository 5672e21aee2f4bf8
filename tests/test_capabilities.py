"""Every capability package keeps its contract with the one list in verkeerstoren.capabilities."""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI

from verkeerstoren import capabilities
from verkeerstoren.capabilities import CAPABILITIES, INFRASTRUCTURE, Capability
from verkeerstoren.models import MODEL_PACKAGES

PACKAGE = Path(capabilities.__file__).parent
DEVELOPMENT = PACKAGE.parents[1] / "docs" / "development.md"


def test_every_sub_package_is_a_capability_or_infrastructure() -> None:
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    listed = [c.name for c in CAPABILITIES]
    assert len(set(listed)) == len(listed)
    assert packages == set(listed) | set(INFRASTRUCTURE)


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.name)
def test_the_package_has_the_files_its_record_declares(capability: Capability) -> None:
    folder = PACKAGE / capability.name
    assert (folder / "service.py").is_file()
    assert (folder / "models.py").is_file() == capability.models
    assert (folder / "api.py").is_file() == capability.api
    assert (folder / "pages.py").is_file() == capability.has_pages
    if capability.api:
        api = import_module(f"verkeerstoren.{capability.name}.api")
        assert isinstance(api.router, APIRouter)
    if capability.has_pages:
        pages = import_module(f"verkeerstoren.{capability.name}.pages")
        assert isinstance(pages.router, APIRouter)
        assert isinstance(pages.NAV, list)
        assert (folder / "templates" / capability.name).is_dir()
    else:
        assert not (folder / "templates").exists(), "a library has no pages"


def test_the_schema_takes_its_tables_from_the_same_list() -> None:
    assert tuple(c.name for c in CAPABILITIES if c.models) == MODEL_PACKAGES


def test_the_app_builds_its_menu_from_the_list_in_its_order(app: FastAPI) -> None:
    expected = [item for c in CAPABILITIES if c.has_pages
                for item in import_module(f"verkeerstoren.{c.name}.pages").NAV]
    assert len(expected) > len(CAPABILITIES)
    assert app.state.templates.nav == expected


def test_the_development_guide_lists_the_capabilities_in_the_same_order() -> None:
    text = DEVELOPMENT.read_text(encoding="utf-8")
    section = text.split("## Capabilities", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)/` \|", section, flags=re.M)
    assert rows == [c.name for c in CAPABILITIES]
    assert "## Adding a capability" in text
