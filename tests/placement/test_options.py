"""Gathering candidates: the lean query sees what the board sees; postcode areas at the edges."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.capacity.board import BoardFilter, board
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.placement.options import area_point, options_for
from verkeerstoren.registry.models import Location


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


def test_options_consider_exactly_the_board_rows_of_the_requested_bed_types(
    session: Session, make_request: Callable[..., PlacementRequest],
) -> None:
    request = make_request("short_stay_high")
    found = options_for(session, request)
    considered = {(c.unit_id, c.bed_type_code, c.available, c.stale, c.features)
                  for c in [o.candidate for o in found.options]
                  + [e.candidate for e in found.excluded]}
    rows = board(session, BoardFilter(bed_types=("short_stay_high",))).rows
    assert considered == {(r.unit_id, r.bed_type_code, r.available, r.stale,
                           frozenset(r.features)) for r in rows}
    assert rows
