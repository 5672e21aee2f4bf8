"""Property tests of the pure matching module: hard constraints always hold; order is stable."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from verkeerstoren.placement.matching import FINANCING, Candidate, Need, match

BED_TYPES = sorted(FINANCING)
FEATURES = ["dementia_closed", "oxygen", "isolation", "bariatric", "smoking"]
TODAY = date(2026, 11, 23)

candidates = st.builds(
    Candidate,
    unit_id=st.integers(1, 60),
    unit=st.just("unit"),
    organisation=st.just("org"),
    bed_type_code=st.sampled_from(BED_TYPES),
    available=st.integers(-2, 5),
    stale=st.booleans(),
    age_hours=st.one_of(st.none(), st.floats(0, 100)),
    features=st.frozensets(st.sampled_from(FEATURES)),
    gemeente_code=st.sampled_from(["GM0637", "GM0518", "GM0402"]),
    expected_free_date=st.one_of(st.none(), st.dates(TODAY, TODAY + timedelta(days=10))),
    latitude=st.one_of(st.none(), st.floats(51.9, 52.4)),
    longitude=st.one_of(st.none(), st.floats(4.2, 5.3)),
    accept_rate=st.one_of(st.none(), st.floats(0, 1)),
)
needs = st.builds(
    Need,
    bed_types=st.lists(st.sampled_from(BED_TYPES), min_size=1, max_size=3, unique=True).map(tuple),
    features=st.frozensets(st.sampled_from(FEATURES), max_size=2),
    wanted_start=st.dates(TODAY, TODAY + timedelta(days=7)),
    financing=st.sampled_from(["zvw", "wlz", "wmo", "self_pay"]),
    today=st.just(TODAY),
    latitude=st.one_of(st.none(), st.floats(51.9, 52.4)),
    longitude=st.one_of(st.none(), st.floats(4.2, 5.3)),
    preferred_gemeenten=st.frozensets(st.sampled_from(["GM0637", "GM0402"])),
)


@settings(max_examples=300)
@given(need=needs, pool=st.lists(candidates, max_size=25))
def test_no_option_ever_breaks_a_hard_constraint(need: Need, pool: list[Candidate]) -> None:
    result = match(need, pool)
    for option in result.options:
        c = option.candidate
        assert c.bed_type_code in need.bed_types
        assert need.features <= c.features
        assert need.financing in FINANCING[c.bed_type_code]
        assert not c.stale
        assert c.available > 0 or (
            c.expected_free_date is not None and c.expected_free_date <= need.wanted_start
        )
    assert len(result.options) + len(result.excluded) == len(pool)
    for exclusion in result.excluded:
        assert exclusion.reasons, "every exclusion says why"


@settings(max_examples=200)
@given(need=needs, pool=st.lists(candidates, max_size=25), seed=st.integers(0, 10_000))
def test_the_same_input_gives_the_same_order(need: Need, pool: list[Candidate],
                                             seed: int) -> None:
    shuffled = list(pool)
    random.Random(seed).shuffle(shuffled)
    first = [(o.candidate, o.score) for o in match(need, pool).options]
    second = [(o.candidate, o.score) for o in match(need, shuffled).options]
    assert [c for c, _ in first] == [c for c, _ in second] or _only_ties_differ(first, second)


def _only_ties_differ(a: list[tuple[Candidate, float]], b: list[tuple[Candidate, float]]) -> bool:
    # Identical candidates (same unit, bed type and score) may swap places; nothing else may.
    key = [(c.unit_id, c.bed_type_code, s) for c, s in a]
    return key == [(c.unit_id, c.bed_type_code, s) for c, s in b]


def test_options_are_ranked_by_distance_and_explained() -> None:
    need = Need(bed_types=("short_stay_high",), features=frozenset(), wanted_start=TODAY,
                financing="zvw", today=TODAY, latitude=52.06, longitude=4.49)
    near = Candidate(1, "Dichtbij", "A", "short_stay_high", 1, False, 1.0, frozenset(), "GM0637",
                     latitude=52.06, longitude=4.50)
    far = Candidate(2, "Ver weg", "B", "short_stay_high", 3, False, 1.0, frozenset(), "GM0402",
                    latitude=52.22, longitude=5.17)
    result = match(need, [far, near])
    assert [o.candidate.unit for o in result.options] == ["Dichtbij", "Ver weg"]
    assert any("km from the patient's area" in r.message for r in result.options[0].reasons)


def test_reasons_read_as_dutch_sentences() -> None:
    """'1 bed nu vrij' / '3 bedden nu vrij' and 'zojuist gemeld', never 'bed(den)' or '0 uur'."""
    from verkeerstoren.web.i18n import translator

    dutch = translator("nl")
    need = Need(bed_types=("short_stay_high",), features=frozenset(), wanted_start=TODAY,
                financing="zvw", today=TODAY, latitude=52.06, longitude=4.49)

    def reasons(available: int, hours: float) -> list[str]:
        c = Candidate(1, "Eén", "A", "short_stay_high", available, False, hours, frozenset(),
                      "GM0637", latitude=52.06, longitude=4.50)
        return [dutch(r.message, **r.params) for r in match(need, [c]).options[0].reasons]

    assert "1 bed nu vrij" in reasons(1, 0.1)
    assert "zojuist gemeld" in reasons(1, 0.1)
    assert "3 bedden nu vrij" in reasons(3, 2.0)
    assert "2 uur geleden gemeld" in reasons(3, 2.0)
