"""The database's filter, counts and pre-ranking (placement/constraints.py) give exactly what the
pure `matching` module gives over every candidate: the same options in the same order with the
same reasons, page by page, and the same exclusions, counted per rule and listed per rule.

Random worlds (units, bed states, features, positions, acceptance history) are written into an
empty database inside a savepoint per example; runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.orm import Session

from tests.placement.oracle import broken_rules, exclusion_counts
from verkeerstoren.capacity.models import BedState
from verkeerstoren.placement.constraints import max_report_ages, rules, survey
from verkeerstoren.placement.matching import (
    FINANCING,
    Candidate,
    Exclusion,
    Match,
    Option,
    Reason,
    Rule,
    match,
)
from verkeerstoren.placement.models import (
    Financing,
    PlacementRequest,
    RequestStatus,
    Reservation,
    ReservationStatus,
    Urgency,
)
from verkeerstoren.placement.options import (
    ACCEPTANCE_WINDOW,
    acceptance_rates,
    candidates,
    excluded_for,
    need_for,
    options_for,
)
from verkeerstoren.registry.models import (
    CareUnit,
    Gemeente,
    Location,
    Organisation,
    OrganisationKind,
    Region,
    UnitBedType,
    unit_feature,
)
from verkeerstoren.registry.reference import ensure_reference_data
from verkeerstoren.storage.base import utcnow

# Three bed types paid for by different financing, so every rule can bite.
BED_TYPES = ["short_stay_high", "ltc_respite", "geriatric_rehab"]
FEATURES = ["dementia_closed", "oxygen", "isolation"]
GEMEENTEN = ["GM0599", "GM0518", "GM0363"]
POSTCODES = ["2711AA", "2712AB", "3511CD"]
ORGS = [1, 2, 3]


def _table(model: Any) -> Any:
    return model.__table__


bed_states = st.one_of(
    st.none(),  # never reported: stale, nothing free
    st.fixed_dictionaries({
        # hours before now; a little negative is a report from a clock running ahead; the
        # three bed types go stale after 24 h, so ages around it get their own share
        "hours_ago": st.floats(-0.5, 60) | st.floats(23.4, 24.6),
        "staffed": st.integers(0, 4),
        "occupied": st.integers(0, 4),
        "blocked": st.integers(0, 2),
        "held": st.integers(0, 2),
        "free_in_days": st.one_of(st.none(), st.integers(-2, 6)),
    }),
)
units = st.lists(
    st.fixed_dictionaries({
        "bed_types": st.lists(st.sampled_from(BED_TYPES), min_size=1, max_size=2, unique=True),
        "states": st.lists(bed_states, min_size=2, max_size=2),
        "active": st.booleans() | st.just(True),
        "location": st.integers(0, 5),
        "features": st.frozensets(st.sampled_from(FEATURES)),
    }),
    max_size=14,
)
locations = st.lists(
    st.fixed_dictionaries({
        "postcode": st.sampled_from(POSTCODES),
        "gemeente": st.sampled_from(GEMEENTEN),
        "org": st.sampled_from(ORGS),
        # None: a location without coordinates (distance unknown)
        "point": st.one_of(st.none(), st.tuples(st.floats(51.8, 52.4), st.floats(4.2, 5.3))),
    }),
    min_size=6, max_size=6,
)
needs = st.fixed_dictionaries({
    "bed_types": st.lists(st.sampled_from(BED_TYPES), min_size=1, max_size=2, unique=True),
    "features": st.lists(st.sampled_from(FEATURES), max_size=2, unique=True),
    "financing": st.sampled_from([f.value for f in Financing]),
    "wanted_in_days": st.integers(0, 4),
    "postcode_area": st.sampled_from([2711, 2712, 3511, 9000]),  # 9000: no position known
    "preferred": st.lists(st.sampled_from(GEMEENTEN), max_size=2, unique=True),
})
# (organisation, accepted?) decisions of the last 90 days
history = st.lists(st.tuples(st.sampled_from(ORGS), st.booleans()), max_size=8)


def _world(session: Session, now: datetime, world_units: list[dict[str, Any]],
           world_locations: list[dict[str, Any]], decisions: list[tuple[int, bool]]) -> None:
    session.execute(insert(_table(Region)), [{"id": 901, "name": "Testregio"}])
    session.execute(insert(_table(Gemeente)), [
        {"code": code, "name": code, "region_id": 901} for code in GEMEENTEN])
    session.execute(insert(_table(Organisation)), [
        {"id": org, "name": f"Aanbieder {org}", "kind": OrganisationKind.PROVIDER,
         "created_at": now, "updated_at": now} for org in ORGS])
    session.execute(insert(_table(Location)), [
        {"id": i + 1, "organisation_id": loc["org"], "name": f"Locatie {i + 1}",
         "postcode": loc["postcode"], "gemeente_code": loc["gemeente"],
         "latitude": loc["point"][0] if loc["point"] else None,
         "longitude": loc["point"][1] if loc["point"] else None,
         "created_at": now, "updated_at": now}
        for i, loc in enumerate(world_locations)])
    unit_rows, ubt_rows, state_rows, feature_rows = [], [], [], []
    for n, unit in enumerate(world_units, 1):
        org = world_locations[unit["location"]]["org"]
        unit_rows.append({"id": n, "organisation_id": org, "location_id": unit["location"] + 1,
                          "name": f"Afdeling {n}", "active": unit["active"],
                          "created_at": now, "updated_at": now})
        feature_rows += [{"unit_id": n, "feature_code": f} for f in sorted(unit["features"])]
        for code, state in zip(unit["bed_types"], unit["states"], strict=False):
            ubt_rows.append({"unit_id": n, "bed_type_code": code, "physical_beds": 6})
            if state is None:
                continue
            staffed = state["staffed"]
            occupied = min(state["occupied"], staffed)
            blocked = min(state["blocked"], staffed - occupied)
            held = min(state["held"], staffed - occupied - blocked)
            free = state["free_in_days"]
            state_rows.append({
                "unit_id": n, "bed_type_code": code, "organisation_id": org, "physical": 6,
                "staffed": staffed, "occupied": occupied, "blocked": blocked, "held": held,
                "reported_at": now - timedelta(hours=state["hours_ago"]), "version": 1,
                "expected_free_date": None if free is None else now.date() + timedelta(free)})
    for table, rows in ((_table(CareUnit), unit_rows), (_table(UnitBedType), ubt_rows),
                        (unit_feature, feature_rows), (_table(BedState), state_rows)):
        if rows:
            session.execute(insert(table), rows)
    if decisions and unit_rows:
        session.execute(insert(_table(PlacementRequest)), [_request_row(now)])
        session.execute(insert(_table(Reservation)), [
            {"request_id": 1, "organisation_id": org, "unit_id": 1,
             "bed_type_code": ubt_rows[0]["bed_type_code"],
             "status": ReservationStatus.ACCEPTED if ok else ReservationStatus.DECLINED,
             "held_until": now, "created_at": now - timedelta(days=i), "created_by": "test"}
            for i, (org, ok) in enumerate(decisions)])


def _request_row(now: datetime) -> dict[str, Any]:
    return {"id": 1, "pseudonym": "world", "birth_year": 1940, "sex": "f",
            "postcode_area": 2712, "referrer_organisation_id": ORGS[0], "referrer_name": "Dr.",
            "bed_types": [BED_TYPES[0]], "features": [], "preferred_gemeenten": [],
            "wanted_start": now.date(), "financing": Financing.ZVW, "urgency": Urgency.TODAY,
            "status": RequestStatus.PLACED, "created_at": now}


def _request(need: dict[str, Any], today: date) -> PlacementRequest:
    """A transient request (never stored): options_for() only reads its fields."""
    return PlacementRequest(
        pseudonym="property", birth_year=1940, sex="f", postcode_area=need["postcode_area"],
        referrer_organisation_id=ORGS[0], referrer_name="Dr.", bed_types=need["bed_types"],
        features=need["features"], preferred_gemeenten=need["preferred"],
        wanted_start=today + timedelta(need["wanted_in_days"]),
        financing=Financing(need["financing"]), urgency=Urgency.TODAY,
        status=RequestStatus.OPEN)


def _reference(session: Session, request: PlacementRequest, now: datetime) -> Match:
    need = need_for(session, request, now)
    return match(need, candidates(session, request.bed_types,
                                  acceptance_rates(session, now), now))


def _sorted(exclusions: Sequence[Exclusion]) -> list[tuple[Candidate, tuple[Reason, ...]]]:
    # Reasons carry a dict of values, so they cannot go into a set: compare sorted lists.
    return sorted(((e.candidate, e.reasons) for e in exclusions),
                  key=lambda pair: (pair[0].unit_id, pair[0].bed_type_code))


def _check(session: Session, request: PlacementRequest, now: datetime, page: int) -> None:
    expected = _reference(session, request, now)
    first = options_for(session, request, now=now, limit=page)
    assert first.total == len(expected.options)
    assert first.excluded == len(expected.excluded)
    assert first.considered == first.total + first.excluded
    assert first.excluded_by_rule == exclusion_counts(expected.excluded)
    shown: list[Option] = []
    for offset in range(0, first.total + 1, page):
        ranking = options_for(session, request, now=now, offset=offset, limit=page)
        assert ranking.offset == offset
        shown += ranking.options
    assert [(o.candidate, o.score, o.reasons) for o in shown] == [
        (o.candidate, o.score, o.reasons) for o in expected.options]

    # The database's pre-ranking: matching's score to within the rounding to 6 decimals
    # (constraints.WINDOW relies on it), best first.
    need = need_for(session, request, now)
    found = rules(need, max_report_ages(session, need.bed_types), now)
    seen = survey(session, need, found, now, now - ACCEPTANCE_WINDOW, 0, first.total)
    by_key = {(o.candidate.unit_id, o.candidate.bed_type_code): o.score
              for o in expected.options}
    assert set(seen.keys) == set(by_key)
    for key, value in zip(seen.keys, seen.scores, strict=True):
        assert abs(value - by_key[key]) < 1e-6, (key, value, by_key[key])
    assert seen.scores == sorted(seen.scores, reverse=True)

    everything = excluded_for(session, request, now=now, limit=200).exclusions
    assert _sorted(everything) == _sorted(expected.excluded)
    for rule in Rule:
        listed = excluded_for(session, request, rule=rule, now=now, limit=200)
        wanted = [e for e in expected.excluded if rule in broken_rules(e)]
        assert listed.total == len(wanted)
        assert _sorted(listed.exclusions) == _sorted(wanted)
        known = [e.distance_km for e in listed.exclusions if e.distance_km is not None]
        assert all(a <= b + 1e-9 for a, b in itertools.pairwise(known)), \
            "nearest first"
        assert all(e.distance_km is not None for e in listed.exclusions[:len(known)]), \
            "unknown distances last"


def test_the_database_gives_what_matching_gives(empty_session: Session) -> None:
    session = empty_session
    ensure_reference_data(session)
    session.flush()
    now = utcnow()

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(world_units=units, world_locations=locations, decisions=history, need=needs,
           page=st.integers(1, 7))
    def check(world_units: list[dict[str, Any]], world_locations: list[dict[str, Any]],
              decisions: list[tuple[int, bool]], need: dict[str, Any], page: int) -> None:
        savepoint = session.begin_nested()
        try:
            _world(session, now, world_units, world_locations, decisions)
            _check(session, _request(need, now.date()), now, page)
        finally:
            savepoint.rollback()

    check()


def test_a_request_nobody_can_serve_has_no_options_and_every_unit_counted(
    empty_session: Session,
) -> None:
    session = empty_session
    ensure_reference_data(session)
    now = utcnow()
    fresh = {"hours_ago": 1.0, "staffed": 3, "occupied": 1, "blocked": 0, "held": 0,
             "free_in_days": None}
    _world(session, now, [
        {"bed_types": ["geriatric_rehab"], "states": [fresh, fresh], "active": True,
         "location": 0, "features": frozenset()},
        {"bed_types": ["geriatric_rehab"], "states": [None, None], "active": True,
         "location": 1, "features": frozenset({"oxygen"})},
    ], [{"postcode": "2712AB", "gemeente": "GM0599", "org": 1, "point": (52.0, 4.5)}] * 6, [])
    # Geriatric rehabilitation is paid by the Zvw only.
    assert "wlz" not in FINANCING["geriatric_rehab"]
    request = _request({"bed_types": ["geriatric_rehab"], "features": ["oxygen"],
                        "financing": "wlz", "wanted_in_days": 0, "postcode_area": 2712,
                        "preferred": []}, now.date())
    found = options_for(session, request, now=now)
    assert (found.total, found.considered, found.excluded) == (0, 2, 2)
    assert found.options == ()
    assert found.excluded_by_rule == {Rule.FEATURES: 1, Rule.FINANCING: 2, Rule.STALE: 1,
                                      Rule.NO_FREE_BED: 1}
