"""Every English msgid the registry shows has a Dutch translation in the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from verkeerstoren.registry.forms import KIND_LABELS
from verkeerstoren.registry.pages import IMPORT_KINDS, TABS
from verkeerstoren.validation import MESSAGES
from verkeerstoren.web.i18n import catalogue

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "verkeerstoren"
REGISTRY = PACKAGE / "registry"
CATALOGUE = PACKAGE / "web" / "locale" / "nl" / "LC_MESSAGES" / "registry.po"
PATTERNS = [
    re.compile(r'\b_\(\s*"((?:[^"\\]|\\.)+)"'),
    re.compile(r'NavItem\(\s*"([^"]+)"'),
    re.compile(r'FormField\(\s*"[^"]+",\s*"([^"]+)"'),
    re.compile(r'\btitle="([^"{]+)"'),
    re.compile(r'help="([^"]+)"'),
    re.compile(r'Problem\(\s*"[^"]+",\s*"((?:[^"\\]|\\.)+)"'),
    re.compile(r'ValueError\(\s*"((?:[^"\\]|\\.)+)"'),
]


def _dutch() -> dict[str, str]:
    return catalogue("nl")


def test_every_registry_msgid_has_a_dutch_translation() -> None:
    dutch = _dutch()
    used: set[str] = set(KIND_LABELS.values()) | {m for m, _ in MESSAGES.values()}
    used |= {label for label, _ in TABS} | {label for _, label in IMPORT_KINDS}
    for path in [*REGISTRY.rglob("*.py"), *REGISTRY.rglob("*.html")]:
        source = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            used |= {m.group(1) for m in pattern.finditer(source)}
    missing = sorted(m for m in used if not dutch.get(m))
    assert not missing


def test_translations_keep_their_placeholders() -> None:
    with CATALOGUE.open("rb") as handle:
        for message in read_po(handle, locale="nl"):
            if message.id:
                names = set(re.findall(r"\{(\w+)\}", str(message.id)))
                assert names == set(re.findall(r"\{(\w+)\}", str(message.string))), message.id
