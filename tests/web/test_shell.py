"""The web shell: health, OpenAPI, vendored assets, translations, error pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Browser
from verkeerstoren.settings import Environment, Settings
from verkeerstoren.web.errors import HTTP_PAGE_TEXT, MISSING, MISSING_PAGE, missing_text
from verkeerstoren.web.i18n import catalogue

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "verkeerstoren"
LITERAL_MSGIDS = [
    re.compile(r'\b_\(\s*"((?:[^"\\]|\\.)+)"\s*[,)]'),
    re.compile(r"\b_\(\s*'((?:[^'\\]|\\.)+)'\s*[,)]"),
    re.compile(r'NavItem\(\s*"([^"]+)"'),
    re.compile(r'FormField\(\s*"[^"]+",\s*"([^"]+)"'),
    # ngettext(n, "singular", "plural"): both forms are msgids.
    re.compile(r'\bngettext\([^,"]+,\s*"([^"]+)"'),
    re.compile(r'\bngettext\([^,"]+,\s*"[^"]+",\s*"([^"]+)"'),
]
# Page titles passed to the generic templates are msgids too (only in page modules).
PAGE_TITLE = re.compile(r'\btitle="([^"{]+)"')


def test_health_answers_ok(client: Browser) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.json()["checks"]["database"] == "ok"


def test_the_openapi_document_describes_the_api(client: Browser) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Verkeerstoren API"
    assert any(p.startswith("/api/v1/") for p in spec["paths"])


def test_htmx_is_served_from_the_package_and_no_page_uses_a_cdn(client: Browser) -> None:
    assert client.get("/static/htmx.min.js").status_code == 200
    for template in PACKAGE.rglob("*.html"):
        text = template.read_text()
        assert "http://" not in text
        assert "https://" not in text


def test_an_unknown_page_is_a_dutch_404(client: Browser) -> None:
    answer = client.get("/bestaat-niet", headers={"accept": "text/html"})
    assert answer.status_code == 404
    assert "Niet gevonden" in answer.text
    assert "Deze pagina bestaat niet (meer)." in answer.text
    assert "Not Found" not in answer.text
    api = client.get("/api/v1/bestaat-niet")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not Found"}


def test_responses_carry_security_headers(client: Browser) -> None:
    headers = client.get("/login").headers
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in headers["content-security-policy"]


def test_every_user_text_in_the_code_has_a_dutch_translation() -> None:
    dutch = catalogue("nl")
    missing: set[str] = set()
    for path in [*PACKAGE.rglob("*.html"), *PACKAGE.rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        patterns = [*LITERAL_MSGIDS, PAGE_TITLE] if path.name == "pages.py" else LITERAL_MSGIDS
        for pattern in patterns:
            for match in pattern.finditer(source):
                msgid = match.group(1)
                if msgid not in dutch:
                    missing.add(f"{path.name}: {msgid}")
    assert not missing, sorted(missing)


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION)


def test_production_accepts_a_strong_secret_and_secures_cookies() -> None:
    settings = Settings(environment=Environment.PRODUCTION, secret_key="x" * 40)
    assert settings.secure_cookies


def test_a_missing_record_is_a_dutch_page_but_english_json_for_the_api(
    login: Callable[[str], Browser]
) -> None:
    admin = login("admin")
    page = admin.get("/capacity/units/999999", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "Deze zorgeenheid bestaat niet (meer)." in page.text
    assert "not found" not in page.text
    api = admin.get("/api/v1/organisations/999999")
    assert api.status_code == 404
    assert api.json()["detail"].endswith("not found.")


def test_every_not_found_text_has_a_dutch_translation() -> None:
    dutch = catalogue("nl")
    for text in [*MISSING.values(), *HTTP_PAGE_TEXT.values()]:
        assert text in dutch, text
    assert missing_text("CareUnit") == missing_text("care_unit") == MISSING["care_unit"]
    assert missing_text("wait report") == MISSING["wait_report"]
    assert missing_text("something_new") == MISSING_PAGE


def test_error_pages_escape_what_they_show(client: Browser) -> None:
    answer = client.get("/<script>x</script>", headers={"accept": "text/html"})
    assert "<script>" not in answer.text


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.IGNORECASE)


def test_no_template_has_inline_script_that_the_csp_would_block() -> None:
    # script-src 'self' refuses on*="…" attributes and inline <script> blocks: they would
    # silently do nothing and log a console error on every page load.
    found = []
    for template in PACKAGE.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        found += [f"{template.name}: {m.group(0)[:80]}" for m in INLINE_HANDLER.finditer(text)]
        found += [f"{template.name}: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
    assert not found, found
