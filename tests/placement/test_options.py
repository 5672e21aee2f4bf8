"""Gathering candidates: the lean query sees what the board sees; postcode areas at the edges."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.placement.oracle import exclusion_counts
from verkeerstoren.capacity.board import BoardFilter, board
from verkeerstoren.placement.matching import match
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.placement.options import (
    acceptance_rates,
    area_point,
    candidates,
    need_for,
    options_for,
)
from verkeerstoren.registry.models import Location
from verkeerstoren.storage.base import utcnow


def _add_location(session: Session, postcode: str, lat: float) -> None:
    model = session.scalars(select(Location).order_by(Location.id)).first()
    assert model is not None
    session.add(Location(organisation_id=model.organisation_id, name=f"Rand {postcode}",
                         postcode=postcode, gemeente_code=model.gemeente_code,
                         latitude=lat, longitude=5.0))
    session.flush()


def test_a_postcode_area_near_9999_finds_the_locations_just_below_it(session: Session) -> None:
    _add_location(session, "9998AA", 53.3)
    point = area_point(session, 9990)
    assert point is not None
    assert point[0] == 53.3


def test_a_postcode_area_far_from_every_location_has_no_position(session: Session) -> None:
    _add_location(session, "9998AA", 53.3)
    assert area_point(session, 9960) is None


def test_candidates_are_exactly_the_board_rows_of_the_requested_bed_types(
    session: Session, make_request: Callable[..., PlacementRequest],
) -> None:
    request = make_request("short_stay_high")
    now = utcnow()
    considered = {(c.unit_id, c.bed_type_code, c.available, c.stale, c.features)
                  for c in candidates(session, request.bed_types, {}, now)}
    rows = board(session, BoardFilter(bed_types=("short_stay_high",))).rows
    assert considered == {(r.unit_id, r.bed_type_code, r.available, r.stale,
                           frozenset(r.features)) for r in rows}
    assert rows
    found = options_for(session, request, now=now)
    assert found.considered == len(rows)


def test_the_demo_request_gets_the_same_best_options_as_matching_over_every_candidate(
    session: Session, make_request: Callable[..., PlacementRequest],
) -> None:
    # The demo region's request as the e2e test makes it (ELV laag, 2712, preferring GM0637).
    request = make_request("short_stay_low", preferred_gemeenten=["GM0637"])
    now = utcnow()
    expected = match(need_for(session, request, now),
                     candidates(session, request.bed_types, acceptance_rates(session, now), now))
    found = options_for(session, request, now=now, limit=10)
    assert expected.options, "the demo has a bed for this request"
    assert [(o.candidate.unit_id, o.candidate.bed_type_code, o.score, o.reasons)
            for o in found.options] == [
        (o.candidate.unit_id, o.candidate.bed_type_code, o.score, o.reasons)
        for o in expected.options[:10]]
    assert found.total == len(expected.options)
    assert found.excluded_by_rule == exclusion_counts(expected.excluded)


def test_pages_past_the_end_are_empty_and_keep_the_counts(
    session: Session, make_request: Callable[..., PlacementRequest],
) -> None:
    request = make_request("short_stay_high")
    first = options_for(session, request)
    beyond = options_for(session, request, offset=first.total + 500)
    assert beyond.options == ()
    assert beyond.offset == first.total
    assert (beyond.total, beyond.excluded_by_rule) == (first.total, first.excluded_by_rule)
