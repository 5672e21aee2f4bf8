"""No page wider than a phone (issue 14): every page each role can reach, at 390×844.

The pages are found the way a user finds them: from the home page, following the links on every
page (one page per route shape, so the 60 wijk pages count once). A page passes when the
document is no wider than the screen; wide tables and charts may scroll inside their own box.
"""

from __future__ import annotations

import re

import pytest
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


def _crawl(page: Page, base: str) -> dict[str, tuple[int, list[str]]]:
    """Every page reachable from the home page: {path: (document width, what sticks out)}."""
    seen: set[str] = set()
    queue = ["/"]
    widths: dict[str, tuple[int, list[str]]] = {}
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
        links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
        for href in links:
            if href and href.startswith("/") and not NOT_PAGES.search(href):
                queue.append(href)
    return widths


@pytest.mark.parametrize("role", ROLES)
def test_no_page_is_wider_than_a_phone(served_demo: str, browser: Browser, role: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="nl-NL")
    try:
        page = login_page(context, served_demo, role, "/")
        widths = _crawl(page, served_demo)
        # The crawl really went round: every role has more than a handful of pages.
        assert len(widths) >= 10, sorted(widths)
        too_wide = {path: found for path, found in widths.items() if found[0] > PHONE["width"]}
        assert too_wide == {}
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
