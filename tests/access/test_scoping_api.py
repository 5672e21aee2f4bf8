"""Organisation scoping through the API: own organisation allowed, other organisation refused.

Two providers of different organisations ("provider" and "provider2" of the demo region). A
provider changing another organisation's location, unit, organisation, availability or a
reservation on another organisation's beds gets 403 or 404 and nothing changes; the same call on
its own rows succeeds. The last test takes the service's own scope check away (as a bug would)
and shows the flush guard, ``ScopeViolation``, still refusing the write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.placement.conftest import hold_free_bed, user_actor
from verkeerstoren.access import scoping
from verkeerstoren.capacity.models import AvailabilityReport
from verkeerstoren.placement.models import PlacementRequest, Reservation, ReservationStatus
from verkeerstoren.registry.models import CareUnit, Location, Organisation, UnitBedType

REFUSED = (403, 404)


def _org(session: Session, who: str) -> int:
    organisation_id = user_actor(session, who).organisation_id
    assert organisation_id is not None
    return organisation_id


def _first(session: Session, model: Any, organisation_id: int) -> Any:
    row = session.scalars(select(model).where(model.organisation_id == organisation_id)
                          .order_by(model.id)).first()
    assert row is not None, (model, organisation_id)
    return row


def _name(session: Session, model: Any, row_id: int) -> str:
    session.expire_all()
    name = session.scalar(select(model.name).where(model.id == row_id))
    assert name is not None
    return str(name)


@pytest.mark.parametrize(("model", "path"), [(Location, "/api/v1/locations/{}"),
                                             (CareUnit, "/api/v1/units/{}"),
                                             (Organisation, "/api/v1/organisations/{}")])
def test_a_provider_renames_its_own_rows_but_not_another_organisations(
        session: Session, login: Callable[[str], Browser], model: Any, path: str) -> None:
    own_org, other_org = _org(session, "provider"), _org(session, "provider2")
    assert own_org != other_org
    if model is Organisation:
        own, other = session.get(Organisation, own_org), session.get(Organisation, other_org)
    else:
        own, other = _first(session, model, own_org), _first(session, model, other_org)
    assert own is not None
    assert other is not None
    own_id, other_id, other_name = own.id, other.id, other.name
    provider = login("provider")

    answer = provider.put(path.format(other_id), json={"name": "Overgenomen door een ander"})
    assert answer.status_code in REFUSED, answer.text
    assert _name(session, model, other_id) == other_name

    answer = provider.put(path.format(own_id), json={"name": "Eigen naam gewijzigd"})
    assert answer.status_code == 200, answer.text
    assert _name(session, model, own_id) == "Eigen naam gewijzigd"


def test_a_provider_reports_availability_only_for_its_own_units(
        session: Session, login: Callable[[str], Browser]) -> None:
    other_org = _org(session, "provider2")
    ubt = session.scalars(select(UnitBedType).join(CareUnit)
                          .where(CareUnit.organisation_id == other_org)
                          .order_by(UnitBedType.unit_id)).first()
    assert ubt is not None

    def count() -> int:
        return session.scalar(select(func.count()).select_from(AvailabilityReport).where(
            AvailabilityReport.unit_id == ubt.unit_id)) or 0

    before = count()
    body = {"unit_id": ubt.unit_id, "bed_type_code": ubt.bed_type_code, "staffed": 1,
            "occupied": 0}
    answer = login("provider").post("/api/v1/availability", json=body)
    assert answer.status_code in (*REFUSED, 422), answer.text
    assert count() == before
    assert login("provider2").post("/api/v1/availability", json=body).status_code == 201
    assert count() == before + 1


def test_only_the_provider_of_the_beds_answers_a_reservation(
        session: Session, login: Callable[[str], Browser],
        make_request: Callable[..., PlacementRequest], one_free_bed: UnitBedType) -> None:
    reservation = hold_free_bed(session, make_request, one_free_bed)  # on provider's unit
    session.flush()
    reservation_id = reservation.id
    other = login("provider2")
    for action, body in (("accept", {}), ("decline", {"reason": "Niet van ons"})):
        answer = other.post(f"/api/v1/placement/reservations/{reservation_id}/{action}",
                            json=body)
        assert answer.status_code in REFUSED, (action, answer.text)
        session.expire_all()
        assert session.get(Reservation, reservation_id).status is ReservationStatus.HELD  # type: ignore[union-attr]
    answer = login("provider").post(f"/api/v1/placement/reservations/{reservation_id}/accept",
                                    json={})
    assert answer.status_code == 200, answer.text
    session.expire_all()
    assert session.get(Reservation, reservation_id).status is ReservationStatus.ACCEPTED  # type: ignore[union-attr]


def test_the_flush_guard_refuses_what_a_service_forgot_to_scope(
        session: Session, login: Callable[[str], Browser],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A service that loads another organisation's row (its scope check lost in a change)
    still cannot write it: the flush raises ScopeViolation, the API answers 403, nothing
    changes."""
    other = _first(session, Location, _org(session, "provider2"))
    other_id, other_name = other.id, other.name

    def unscoped_get(s: Session, model: Any, ident: object) -> Any:
        with scoping.across_organisations(s):
            return s.get(model, ident)

    raised: list[str] = []
    original = scoping.ScopeViolation.__init__

    def spy(self: scoping.ScopeViolation, *args: object) -> None:
        raised.append(str(args[0]) if args else "")
        original(self, *args)

    from verkeerstoren.registry import service as registry_service

    monkeypatch.setattr(registry_service, "scoped_get", unscoped_get)
    monkeypatch.setattr(scoping.ScopeViolation, "__init__", spy)
    answer = login("provider").put(f"/api/v1/locations/{other_id}",
                                   json={"name": "Via een lek gewijzigd"})
    assert answer.status_code == 403, answer.text
    assert raised, "the refusal came from the flush guard"
    assert "Location belongs to organisation" in raised[0]
    assert _name(session, Location, other_id) == other_name
