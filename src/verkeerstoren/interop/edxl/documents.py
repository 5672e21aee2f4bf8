"""Reading untrusted EDXL-HAVE XML safely and checking it against the specification's structure.

The parser resolves no entities, loads no DTD, opens no network connection and keeps libxml2's
limits on huge documents (``huge_tree`` off): a billion-laughs document or an external entity
is refused, never expanded or fetched. A document is then validated against the subset schema
of its version (``schemas/``), and every problem names the element and its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from lxml import etree

from verkeerstoren.errors import ValidationErrors, ValidationProblem

SCHEMAS = Path(__file__).parent / "schemas"
MAX_BYTES = 5 * 1024 * 1024
MAX_PROBLEMS = 50


class HaveVersion(StrEnum):
    V2 = "2.0"
    V1 = "1.0"


NAMESPACES = {
    HaveVersion.V2: "urn:oasis:names:tc:emergency:edxl:have:2.0",
    HaveVersion.V1: "urn:oasis:names:tc:emergency:EDXL:HAVE:1.0",
}
ROOTS = {HaveVersion.V2: "HAVE", HaveVersion.V1: "HospitalStatus"}
CT_NAMESPACE = "urn:oasis:names:tc:emergency:edxl:ct:1.0"
_SCHEMA_FILES = {HaveVersion.V2: "edxl-have-2.0-subset.xsd",
                 HaveVersion.V1: "edxl-have-1.0-subset.xsd"}


@dataclass(frozen=True)
class Document:
    version: HaveVersion
    root: etree._Element


def _parser() -> etree.XMLParser:
    # A new parser per document: lxml parsers keep state and are not shared across threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_pis=True,
                           remove_comments=True)


@cache
def schema(version: HaveVersion) -> etree.XMLSchema:
    """The subset schema of a version (our own files; the import of EDXL-CT is a local file)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(SCHEMAS / _SCHEMA_FILES[version]), parser)
    return etree.XMLSchema(tree)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(raw: bytes) -> Document:
    """The document's version and root; raises ValidationErrors naming what is wrong."""
    if len(raw) > MAX_BYTES:
        raise ValidationErrors([ValidationProblem(
            "file", "the file is larger than {mb} MB", params={"mb": MAX_BYTES // 2**20})])
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        # Entities and DTDs have no place in EDXL-HAVE; refusing them outright is simpler to
        # reason about than trusting every parser option to neutralise them.
        raise ValidationErrors([ValidationProblem(
            "file", "the document declares a DTD or entities, which EDXL-HAVE does not use",
            row=1)])
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno and exc.lineno > 0 else 1
        raise ValidationErrors([ValidationProblem(
            "file", "this is not well-formed XML: {reason}", row=line,
            params={"reason": str(exc.msg)[:200]})]) from exc
    for version, namespace in NAMESPACES.items():
        if root.tag == f"{{{namespace}}}{ROOTS[version]}":
            validate(root, version)
            return Document(version, root)
    raise ValidationErrors([ValidationProblem(
        "file", "expected an EDXL-HAVE 2.0 HAVE element (namespace {v2}) or an EDXL-HAVE 1.0 "
        "HospitalStatus element (namespace {v1}), found {found}", row=root.sourceline or 1,
        params={"v2": NAMESPACES[HaveVersion.V2], "v1": NAMESPACES[HaveVersion.V1],
                "found": str(root.tag)[:200]})])


def validate(root: etree._Element, version: HaveVersion) -> None:
    """Check a tree against its version's schema; ValidationErrors name element and line."""
    checker = schema(version)
    if checker.validate(root):
        return
    problems = []
    for error in list(checker.error_log)[:MAX_PROBLEMS]:
        element = _element_in(error.message) or _element_named(error.path) or "file"
        problems.append(ValidationProblem(
            element, "does not follow EDXL-HAVE {version}: {reason}", row=error.line or 1,
            params={"version": version.value, "reason": _short(error.message)}))
    raise ValidationErrors(problems)


_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([\w.-]+)'")


def _element_in(message: str) -> str | None:
    """libxml2 starts with "Element '{namespace}name': ..."."""
    found = _ELEMENT.match(message)
    return found.group(1) if found else None


def _element_named(path: str | None) -> str | None:
    """'/have:HAVE/have:facility[1]/have:serviceList' -> 'serviceList'."""
    if not path:
        return None
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return last.split("[", 1)[0].split(":", 1)[-1] or None


def _short(message: str) -> str:
    """libxml2's message without the namespace clutter ('{urn:...}availability' -> availability)."""
    out = []
    depth = 0
    for char in message:
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out).strip()[:300]


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
