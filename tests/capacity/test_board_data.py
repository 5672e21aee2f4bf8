"""A board changed a few rows at a time equals the board assembled from all rows at once.

The refresh keeps the order, the places and the totals as running sums, and ages the older
rows only when asked; the truth it is held to is :func:`assemble` over the whole new set of raw
rows at the same moment, compared as the bytes the API sends. Pure: no database, so hypothesis
can try many small boards where a total's last row leaves, rows move to the top or off the
board, and keys the board never had arrive.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from verkeerstoren.capacity.board_data import BoardFilter, Key, Raw, assemble

START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
BED_TYPES = (("elv", "ELV", 1, 24), ("mf", "Multifunctioneel", 2, 48))
GEMEENTEN = (("GM0637", "Zoetermeer"), ("GM0402", "Hilversum"))


@st.composite
def raw_rows(draw: st.DrawFn, unit_id: int, code_index: int) -> Raw:
    code, name, order, max_age = BED_TYPES[code_index]
    gm_code, gm_name = draw(st.sampled_from(GEMEENTEN))
    reported = draw(st.none() | st.integers(-30 * 3600, 0))  # seconds before START
    staffed = draw(st.integers(0, 6))
    occupied = draw(st.integers(0, staffed))
    return Raw(
        unit_id, code, 6, f"Afdeling {unit_id % 3}", None, 1, "Zorggroep", "Locatie", gm_code,
        gm_name, None, None, None, name, max_age, order,
        draw(st.sampled_from([None, "dementia", "dementia,oxygen"])),
        None if reported is None else START + timedelta(seconds=reported),
        None if reported is None else 6, None if reported is None else staffed,
        None if reported is None else occupied, None if reported is None else 0,
        None if reported is None else draw(st.integers(0, staffed - occupied)),
        date(2026, 12, 6) if draw(st.booleans()) else None, None)


@st.composite
def boards(draw: st.DrawFn, size: int = 12) -> dict[Key, Raw]:
    keys = draw(st.sets(st.tuples(st.integers(1, size), st.integers(0, 1)), max_size=size))
    return {(u, BED_TYPES[c][0]): draw(raw_rows(u, c)) for u, c in sorted(keys)}


filters = st.builds(BoardFilter, fresh_only=st.booleans(), available_only=st.booleans())


@settings(max_examples=300, deadline=None)
@given(before=boards(), changes=st.lists(st.tuples(st.integers(1, 14), st.integers(0, 1),
                                                   st.booleans()), max_size=6),
       flt=filters, later=st.integers(0, 3600), data=st.data())
def test_a_refreshed_board_equals_the_assembled_board(
        before: dict[Key, Raw], changes: list[tuple[int, int, bool]], flt: BoardFilter,
        later: int, data: st.DataObject) -> None:
    board = assemble(before.values(), flt, START)
    now = START + timedelta(seconds=later)
    if now >= board.turns_stale:
        now = START  # the cache replaces a board whose fresh figure turned stale
    after = dict(before)
    changed: dict[Key, Raw | None] = {}
    for unit_id, code_index, stays in changes:
        key = (unit_id, BED_TYPES[code_index][0])
        if stays:
            after[key] = changed[key] = data.draw(raw_rows(unit_id, code_index))
        else:
            after.pop(key, None)  # a unit deactivated: gone from the filter's rows
            changed[key] = None
    refreshed = board.refreshed(changed, flt, now)
    truth = assemble(after.values(), flt, now)
    assert refreshed.json() == truth.json()
    # The live patch's rows are the same rows, in board order, with the same ages.
    wanted = set(changed)
    assert refreshed.rows_for(wanted) == [
        r for r in truth.rows if (r["unit_id"], r["bed_type_code"]) in wanted]
    # The old board is untouched: other threads may still be reading it.
    assert board.json() == assemble(before.values(), flt, START).json()
