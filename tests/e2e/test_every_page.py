"""Every page each role can reach, on a phone (390×844): no wider than the screen, and no
axe-core violation (WCAG 2.1 AA, the Dutch public-sector norm) — issue 14.

The pages are found the way a user finds them: from the home page, following the links on every
page (one page per route shape, so the 60 wijk pages count once). A page fits when the document
is no wider than the screen; wide tables and charts may scroll inside their own box. axe-core is
Deque's engine (4.12, bundled by axe-playwright-python): its rules, not ours, are the truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import PHONE, login_page

pytestmark = pytest.mark.e2e

ROLES = ("coordinator", "provider", "referrer", "analyst", "viewer", "admin")
# Not pages: files, the API and forms that change something when followed.
NOT_PAGES = re.compile(
    r"^/(static|logout|locale|api/|fhir|openapi|docs|redoc)"
    r"|\.(csv|xlsx|png|svg|pdf|json|geojson|xml)(\?|$)|/export|/download|format="
)
MAX_PAGES_PER_ROLE = 90
# The elements that stick out of the screen, outside any box that scrolls; named in a failure.
WIDE = """() => [...document.querySelectorAll('body *')].filter(e => {
  if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
  for (let a = e.parentElement; a; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
  }
  return true;
}).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


def _shape(path: str) -> str:
    """/placement/requests/17?x=1 → /placement/requests/{x}: one visit per kind of page."""
    return re.sub(r"/[^/]*\d[^/]*", "/{x}", path.split("#")[0].split("?")[0])


AXE = Axe()
AXE_OPTIONS = {"resultTypes": ["violations"]}  # every rule axe runs by default, best practices too


@dataclass
class Crawl:
    widths: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    violations: dict[str, list[str]] = field(default_factory=dict)


def _violations(page: Page) -> list[str]:
    found = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    return [f"{v['id']}: {v['nodes'][0]['html'][:120]}" for v in found]


def _crawl(page: Page, base: str) -> Crawl:
    """Every page reachable from the home page, its width and its axe violations."""
    seen: set[str] = set()
    queue = ["/"]
    crawl = Crawl()
    widths = crawl.widths
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        if _shape(path) in seen:
            continue
        seen.add(_shape(path))
        response = page.goto(base + path)
        assert response is not None
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert response.status < 500, path
        width = int(page.evaluate("document.documentElement.scrollWidth"))
        widths[path] = (width, page.evaluate(WIDE) if width > PHONE["width"] else [])
        if found := _violations(page):
            crawl.violations[path] = found
        links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
        for href in links:
            if href and href.startswith("/") and not NOT_PAGES.search(href):
                queue.append(href)
    return crawl


_CRAWLS: dict[str, Crawl] = {}


def _crawled(base: str, browser: Browser, role: str) -> Crawl:
    """One crawl per role, shared by the width and the axe test."""
    if role not in _CRAWLS:
        context = browser.new_context(viewport=PHONE, is_mobile=True, locale="nl-NL")
        try:
            page = login_page(context, base, role, "/")
            _CRAWLS[role] = _crawl(page, base)
        finally:
            context.close()
    return _CRAWLS[role]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_is_wider_than_a_phone(served_demo: str, browser: Browser, role: str) -> None:
    widths = _crawled(served_demo, browser, role).widths
    # The crawl really went round: every role has more than a handful of pages.
    assert len(widths) >= 10, sorted(widths)
    too_wide = {path: found for path, found in widths.items() if found[0] > PHONE["width"]}
    assert too_wide == {}


@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_an_axe_violation(served_demo: str, browser: Browser, role: str) -> None:
    crawl = _crawled(served_demo, browser, role)
    assert len(crawl.widths) >= 10
    assert crawl.violations == {}


def test_the_login_page_has_no_axe_violation(served_demo: str, browser: Browser) -> None:
    context = browser.new_context(locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(f"{served_demo}/login")
        assert _violations(page) == []
    finally:
        context.close()


def test_axe_finds_what_it_should(served_demo: str, browser: Browser) -> None:
    """The engine is really running: a page with a nameless field and an empty header fails."""
    context = browser.new_context(locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(f"{served_demo}/login")
        page.evaluate("""() => { document.querySelector('main').insertAdjacentHTML('beforeend',
            '<table><thead><tr><th></th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>'
            + '<input type=text name=x>'); }""")
        found = {line.split(":")[0] for line in _violations(page)}
        assert {"label", "empty-table-header"} <= found
    finally:
        context.close()


def test_the_phone_header_is_small_and_its_menu_says_it_scrolls(
    served_demo: str, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="nl-NL")
    try:
        page = login_page(context, served_demo, "coordinator", "/")
        header = page.locator("header.top").bounding_box()
        assert header is not None
        assert header["height"] <= 0.15 * PHONE["height"], header
        nav = page.locator("nav.main-nav")
        # More menu items than fit: the menu scrolls sideways and fades out at its right edge.
        assert nav.evaluate("n => n.scrollWidth > n.clientWidth")
        assert nav.evaluate("n => getComputedStyle(n).overflowX") == "auto"
        assert "gradient" in nav.evaluate("n => getComputedStyle(n).webkitMaskImage")
        # The greeting uses the person's name, not the e-mail address.
        assert page.locator("h1").inner_text() == "Welkom, Demo Transferverpleegkundige"
    finally:
        context.close()
