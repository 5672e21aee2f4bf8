"""The phone report form: a refused card is found again, and counts read as Dutch."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import Browser
from verkeerstoren.registry.models import UnitBedType


def test_a_refused_report_brings_the_user_back_to_its_card(
    login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    provider = login("provider")
    anchor = f"unit-{own_unit.unit_id}-{own_unit.bed_type_code}"
    page = provider.get("/capacity/report")
    # The form posts to its own card's anchor, so the answer opens at that card.
    assert f'action="/capacity/report#{anchor}"' in page.text
    assert f'id="{anchor}"' in page.text
    answer = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, "unit_id": str(own_unit.unit_id),
        "bed_type_code": own_unit.bed_type_code, "staffed": "1", "occupied": "3"})
    assert answer.status_code == 422
    summary = answer.text.index("De melding is niet opgeslagen.")
    assert answer.text.index(f'href="#{anchor}"') > summary
    card = answer.text[answer.text.index(f'id="{anchor}"'):]
    card = card[:card.index("</form>")]
    assert "bezet plus geblokkeerd kan niet meer zijn dan bemand" in card
    assert len(re.findall(r"\sautofocus\b", answer.text)) == 1
    assert re.search(r'name="(staffed|occupied|blocked)" autofocus', card)


def test_a_refused_card_keeps_what_was_typed(
    login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    provider = login("provider")
    anchor = f"unit-{own_unit.unit_id}-{own_unit.bed_type_code}"
    answer = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, "unit_id": str(own_unit.unit_id),
        "bed_type_code": own_unit.bed_type_code, "staffed": "1", "occupied": "3",
        "blocked": "0", "blocked_reason": "", "remark": "Na de ochtendronde"})
    assert answer.status_code == 422
    card = answer.text[answer.text.index(f'id="{anchor}"'):]
    card = card[:card.index("</form>")]
    assert re.search(r'name="staffed"[^>]*value="1"', card), card
    assert re.search(r'name="occupied"[^>]*value="3"', card), card
    assert 'value="Na de ochtendronde"' in card
    assert "<details open>" in card  # the typed remark is visible, not folded away


def test_one_bed_is_singular(login: Callable[[str], Browser]) -> None:
    text = login("provider").get("/capacity/report").text
    assert not re.search(r"\b1 fysieke bedden", text)
    counts = re.findall(r"\b(\d+) (fysiek bed|fysieke bedden)\b", text)
    assert counts
    assert all((n == "1") == (word == "fysiek bed") for n, word in counts)


def test_card_anchors_are_unique(login: Callable[[str], Browser]) -> None:
    ids = re.findall(r'\sid="([^"]+)"', login("provider").get("/capacity/report").text)
    assert len(ids) == len(set(ids))
