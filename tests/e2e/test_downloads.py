"""Every download link on the regiobeeld pages works (issue 14 item 5).

Indicator keys hold "+" ("…_18+"), which an unescaped query string turns into a space; the
test follows every PNG/SVG/CSV/Excel link as the browser has it, for every indicator.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import login_page

pytestmark = pytest.mark.e2e

DOWNLOAD = re.compile(r"\.(png|svg|csv|xlsx)(\?|$)")
TYPES = {"png": "image/png", "svg": "image/svg", "csv": "text/csv",
         "xlsx": "application/vnd.openxmlformats"}


def test_every_download_link_of_every_indicator_answers(served_demo: str,
                                                        browser: Browser) -> None:
    context = browser.new_context(locale="nl-NL")
    try:
        page = login_page(context, served_demo, "analyst", "/regiobeeld")
        keys = page.eval_on_selector_all("select[name=indicator] option",
                                         "os => os.map(o => o.value)")
        assert any("+" in key for key in keys)
        checked = 0
        for key in keys:
            # As the form sends it: the browser encodes the "+" of the key.
            page.goto(f"{served_demo}/regiobeeld?{urlencode({'indicator': key})}")
            links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
            downloads = [link for link in links if DOWNLOAD.search(link)]
            assert len(downloads) >= 4, (key, downloads)
            for link in downloads:
                response = page.request.get(link)
                assert response.status == 200, (key, link, response.status)
                fmt = DOWNLOAD.search(link).group(1)  # type: ignore[union-attr]
                assert response.headers["content-type"].startswith(TYPES[fmt]), link
                checked += 1
        assert checked >= 4 * len(keys)
    finally:
        context.close()
