"""The "Alle regio's" option of a page's region select submits an empty value: no region."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Browser


def test_an_empty_region_choice_means_all_regions(login: Callable[[str], Browser]) -> None:
    browser = login("viewer")
    for path in ("/wachttijden?region_id=", "/regiobeeld?region=", "/board/history?region_id=",
                 "/api/v1/waits/region?region_id=", "/api/v1/waits?region_id="):
        assert browser.get(path).status_code == 200, path
    # A number out of range is still refused, with the Dutch page or the API's 422.
    assert browser.get("/wachttijden?region_id=0").status_code == 422
    assert browser.get("/wachttijden?region_id=abc").status_code == 422
