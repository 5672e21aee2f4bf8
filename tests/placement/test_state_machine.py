"""A Hypothesis state machine over request → hold → accept/decline/expire → place/cancel.

Every rule runs in its own savepoint, as a web request runs in its own transaction: a refused
step changes nothing. After every step the invariant must hold for every unit and bed type:
occupied + blocked + held <= staffed, and held equals the number of live holds.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.placement.conftest import request_in, user_actor
from verkeerstoren.access.actor import Actor, system_actor
from verkeerstoren.capacity import service as capacity
from verkeerstoren.capacity.models import BedState, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import DomainError
from verkeerstoren.placement import service
from verkeerstoren.placement.models import Reservation, ReservationStatus, UnplacedReason
from verkeerstoren.registry.models import CareUnit, UnitBedType
from verkeerstoren.storage.base import utcnow

_pseudonyms = itertools.count(1)


def run_machine(session: Session) -> Counter[str]:
    """Run the machine; returns how often each kind of step succeeded."""
    done: Counter[str] = Counter()
    # Two units offering the same bed type, so every request can be held in either.
    units = session.execute(
        select(UnitBedType.unit_id, UnitBedType.bed_type_code, UnitBedType.physical_beds)
        .join(CareUnit).where(UnitBedType.physical_beds >= 2,
                              UnitBedType.bed_type_code == "short_stay_low")
        .order_by(UnitBedType.unit_id).limit(2)
    ).all()
    assert len(units) == 2
    keys = [(u, b, p) for u, b, p in units]
    coordinator = user_actor(session, "coordinator")

    class Placement(RuleBasedStateMachine):
        requests = Bundle("requests")
        reservations = Bundle("reservations")

        def __init__(self) -> None:
            super().__init__()
            self.outer = session.begin_nested()
            self.now = utcnow()
            self.system: Actor = system_actor("machine")
            for unit_id, code, physical in keys:
                self._step(lambda u=unit_id, c=code, p=physical: capacity.submit_reports(
                    session, self.system, [ReportIn(unit_id=u, bed_type_code=c, staffed=p,
                                                    occupied=p - 2)],
                    ReportSource.API, now=self.now))

        def _step(self, action: object) -> object:
            step = session.begin_nested()
            try:
                result = action()  # type: ignore[operator]
                session.flush()
            except DomainError as exc:
                step.rollback()
                done["refused: " + type(exc).__name__] += 1
                return None
            step.commit()
            done[getattr(action, "__name__", "step")] += 1
            return result

        @rule(target=requests, which=st.integers(0, 1))
        def open_request(self, which: int) -> object:
            code = keys[which][1]
            created = self._step(lambda: service.create_request(
                session, coordinator, request_in(code, pseudonym=f"sm-{next(_pseudonyms):06d}"),
                now=self.now))
            return created.id if created is not None else -1  # type: ignore[attr-defined]

        @rule(which=st.integers(0, 1), staffed=st.integers(0, 6), occupied=st.integers(0, 6),
              blocked=st.integers(0, 2))
        def report(self, which: int, staffed: int, occupied: int, blocked: int) -> None:
            unit_id, code, physical = keys[which]
            if staffed > physical or occupied + blocked > staffed:
                return
            self._step(lambda: capacity.submit_reports(
                session, self.system, [ReportIn(unit_id=unit_id, bed_type_code=code,
                                                 staffed=staffed, occupied=occupied,
                                                 blocked=blocked)],
                ReportSource.API, now=self.now))

        @rule(target=reservations, request_id=requests, which=st.integers(0, 1))
        def reserve(self, request_id: int, which: int) -> object:
            unit_id, code, _ = keys[which]
            def reserve() -> object:
                return service.reserve(session, coordinator, request_id, unit_id, code,
                                       now=self.now)

            made = self._step(reserve)
            return made.id if made is not None else -1  # type: ignore[attr-defined]

        @rule(reservation_id=consumes(reservations))
        def accept(self, reservation_id: int) -> None:
            def accept() -> object:
                return service.accept(session, self.system, reservation_id, now=self.now)

            self._step(accept)

        @rule(reservation_id=consumes(reservations))
        def decline(self, reservation_id: int) -> None:
            self._step(lambda: service.decline(session, self.system, reservation_id, "vol",
                                               now=self.now))

        @rule(reservation_id=consumes(reservations))
        def cancel_hold(self, reservation_id: int) -> None:
            self._step(lambda: service.cancel(session, coordinator, reservation_id, "anders",
                                              now=self.now))

        @rule(request_id=consumes(requests))
        def cancel_request(self, request_id: int) -> None:
            self._step(lambda: service.cancel_request(session, coordinator, request_id, "weg",
                                                      now=self.now))

        @rule(request_id=consumes(requests))
        def close_unplaced(self, request_id: int) -> None:
            self._step(lambda: service.close_unplaced(
                session, coordinator, request_id, UnplacedReason.NO_BED_OF_TYPE, None,
                now=self.now))

        @rule(minutes=st.sampled_from([1, 10, 29, 31, 60]))
        def time_passes(self, minutes: int) -> None:
            self.now = self.now + timedelta(minutes=minutes)
            self._step(lambda: service.expire_due(session, self.system, now=self.now))

        @invariant()
        def never_overbooked(self) -> None:
            session.flush()
            for unit_id, code, _ in keys:
                state = session.get(BedState, (unit_id, code))
                if state is None:
                    continue
                session.refresh(state)
                assert state.occupied + state.blocked + state.held <= state.staffed
                live = session.scalar(select(func.count()).select_from(Reservation).where(
                    Reservation.unit_id == unit_id, Reservation.bed_type_code == code,
                    Reservation.status == ReservationStatus.HELD)) or 0
                assert state.held == live

        def teardown(self) -> None:
            self.outer.rollback()

    Placement.TestCase.settings = settings(
        max_examples=50, stateful_step_count=40, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    runner = Placement.TestCase("runTest")
    runner.runTest()
    return done


def test_the_bed_invariant_holds_over_thousands_of_steps(session: Session) -> None:
    done = run_machine(session)
    # The invariant is only worth something if the machine really held and filled beds.
    assert done["reserve"] > 20, done
    assert done["accept"] >= 1, done
