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


def _card(page: str, anchor: str) -> str:
    card = page[page.index(f'id="{anchor}"'):]
    return card[:card.index("</form>")]


def _marked(card: str) -> set[str]:
    """The names of the inputs whose label is marked red (has-error)."""
    return set(re.findall(r'<label class="has-error">[^<]*<input[^>]*name="([a-z_]+)"', card))


def test_a_refused_card_marks_only_the_fields_in_error_and_hides_free_now(
    login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    provider = login("provider")
    anchor = f"unit-{own_unit.unit_id}-{own_unit.bed_type_code}"
    answer = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, "unit_id": str(own_unit.unit_id),
        "bed_type_code": own_unit.bed_type_code, "staffed": "2", "occupied": "1",
        "blocked": "0", "expected_free_date": "2001-01-01"})
    assert answer.status_code == 422
    card = _card(answer.text, anchor)
    assert _marked(card) == {"expected_free_date"}
    assert "has-error" not in card.split(">", 1)[0]  # not the whole card
    assert len(re.findall(r'aria-invalid="true"', card)) == 1
    assert "Nu vrij" not in card  # the stored figure would contradict the typed ones
    # Counts that do not add up mark the counts, not the date or the texts.
    answer = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, "unit_id": str(own_unit.unit_id),
        "bed_type_code": own_unit.bed_type_code, "staffed": "1", "occupied": "3"})
    card = _card(answer.text, anchor)
    assert _marked(card) == {"staffed", "occupied", "blocked"}
    # The other cards are untouched and still show their figure.
    assert "has-error" not in answer.text.replace(card, "").split("<h1>", 1)[1]
    assert "Nu vrij" in answer.text.replace(card, "")


def test_the_saved_card_says_it_was_saved_and_which_it_is(
    login: Callable[[str], Browser], own_unit: UnitBedType
) -> None:
    provider = login("provider")
    anchor = f"unit-{own_unit.unit_id}-{own_unit.bed_type_code}"
    saved = provider.post("/capacity/report", data={
        "csrf_token": provider.csrf, "unit_id": str(own_unit.unit_id),
        "bed_type_code": own_unit.bed_type_code, "staffed": "2", "occupied": "1"},
        follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"#{anchor}")
    page = provider.get(saved.headers["location"]).text
    card = _card(page, anchor)
    notice = re.search(r'<p class="notice"[^>]*>([^<]*)</p>', card)
    assert notice is not None
    assert notice.group(1) == (f"Melding opgeslagen voor {own_unit.unit.name} · "
                               f"{own_unit.bed_type.name}.").replace("'", "&#39;")
    assert page.count("Melding opgeslagen") == 1  # not (also) the notice at the top
    assert card.index("<h2>") < card.index('class="notice"')
