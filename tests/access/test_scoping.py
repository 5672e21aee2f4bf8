"""Organisation scoping: the read filter, scoped_get, the flush guard and reading across."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor, system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import (
    ScopeViolation,
    across_organisations,
    actor_of,
    bind_actor,
    confine,
    may_act_for,
    read_scope,
    scoped_get,
    target_organisation,
)
from verkeerstoren.errors import Forbidden, NotFound, ValidationProblem
from verkeerstoren.registry import service
from verkeerstoren.registry.models import CareUnit, Location, Organisation
from verkeerstoren.registry.schemas import OrganisationUpdate


@dataclass(frozen=True)
class Two:
    """Two provider organisations with a care unit each, loaded before any actor is bound."""

    own: Organisation
    other: Organisation
    own_unit: CareUnit
    other_unit: CareUnit

    def provider(self) -> Actor:
        return Actor(role=Role.PROVIDER, organisation_id=self.own.id, label="test", user_id=-1)


@pytest.fixture
def two(session: Session) -> Two:
    units = session.scalars(select(CareUnit).order_by(CareUnit.id)).all()
    own_unit = units[0]
    other_unit = next(u for u in units if u.organisation_id != own_unit.organisation_id)
    return Two(own_unit.organisation, other_unit.organisation, own_unit, other_unit)


def test_an_edit_session_reads_only_its_own_organisations_rows(
    session: Session, two: Two
) -> None:
    bind_actor(session, two.provider(), edit=True)
    assert read_scope(session) == two.own.id
    owners = set(session.scalars(select(CareUnit.organisation_id)))
    assert owners == {two.own.id}
    assert session.scalars(select(Organisation)).all() == [two.own]


def test_a_reading_session_is_not_filtered(session: Session, two: Two) -> None:
    bind_actor(session, two.provider())
    assert read_scope(session) is None
    assert len(set(session.scalars(select(CareUnit.organisation_id)))) > 1


def test_scoped_get_hides_a_row_already_in_the_identity_map(session: Session, two: Two) -> None:
    # The fixture loaded the other unit before the scope was bound: session.get returns it
    # from the identity map without a select, so the read filter never sees it.
    bind_actor(session, two.provider(), edit=True)
    assert session.get(CareUnit, two.other_unit.id) is two.other_unit
    assert scoped_get(session, CareUnit, two.other_unit.id) is None
    assert scoped_get(session, Organisation, two.other.id) is None
    assert scoped_get(session, CareUnit, two.own_unit.id) is two.own_unit
    assert scoped_get(session, Organisation, two.own.id) is two.own


def test_scoped_get_confines_a_reading_session_to_the_actor_given(
    session: Session, two: Two
) -> None:
    bind_actor(session, two.provider())
    assert scoped_get(session, CareUnit, two.other_unit.id) is two.other_unit
    assert scoped_get(session, CareUnit, two.other_unit.id, actor=two.provider()) is None
    assert scoped_get(session, CareUnit, two.own_unit.id, actor=two.provider()) is two.own_unit
    assert scoped_get(session, CareUnit, -1) is None


def test_a_service_get_does_not_return_another_organisations_cached_row(
    session: Session, two: Two
) -> None:
    bind_actor(session, two.provider(), edit=True)
    with pytest.raises(NotFound):
        service.get_unit(session, two.other_unit.id)
    with pytest.raises(NotFound):
        service.get_organisation(session, two.other.id)


def _change_unit(two: Two, session: Session) -> None:
    two.other_unit.name = "Overgenomen"


def _change_beds(two: Two, session: Session) -> None:
    # A child row without its own organisation_id: its owner is its unit's organisation.
    two.other_unit.bed_types[0].physical_beds += 1


def _change_organisation(two: Two, session: Session) -> None:
    two.other.phone = "0101234567"


def _add_location(two: Two, session: Session) -> None:
    session.add(Location(organisation_id=two.other.id, name="Vreemd", postcode="2711AB",
                         gemeente_code="GM0637"))


def _delete_unit(two: Two, session: Session) -> None:
    session.delete(two.other_unit)


@pytest.mark.parametrize("write", [_change_unit, _change_beds, _change_organisation,
                                   _add_location, _delete_unit])
def test_writing_another_organisations_row_raises_scope_violation(
    session: Session, two: Two, write: Callable[[Two, Session], None]
) -> None:
    # A reading session: the guard holds whatever the read filter let through.
    bind_actor(session, two.provider())
    write(two, session)
    with pytest.raises(ScopeViolation, match=f"organisation {two.other.id}, not {two.own.id}"):
        session.flush()


def test_the_actors_own_rows_and_an_unconfined_actor_flush(session: Session, two: Two) -> None:
    bind_actor(session, two.provider())
    two.own_unit.name = two.own_unit.name + " (eigen)"
    session.flush()
    bind_actor(session, system_actor("test"))
    two.other_unit.name = two.other_unit.name + " (beheer)"
    session.flush()
    assert actor_of(session) == system_actor("test")


def test_across_organisations_widens_reads_only_inside_the_block(
    session: Session, two: Two
) -> None:
    bind_actor(session, two.provider(), edit=True)
    with across_organisations(session):
        assert read_scope(session) is None
        everyone = set(session.scalars(select(Organisation.id)))
        assert {two.own.id, two.other.id} <= everyone
    assert read_scope(session) == two.own.id
    assert set(session.scalars(select(Organisation.id))) == {two.own.id}
    with across_organisations(session):
        two.other.phone = "0101234567"
        with pytest.raises(ScopeViolation):
            session.flush()  # the flush guard stays in force


def test_a_provider_cannot_take_the_name_of_an_organisation_it_cannot_see(
    session: Session, two: Two
) -> None:
    # The unique index spans the region; the check must too, or the database answers 500.
    bind_actor(session, two.provider(), edit=True)
    with pytest.raises(ValidationProblem) as caught:
        service.update_organisation(session, two.provider(), two.own.id,
                                    OrganisationUpdate(name=two.other.name))
    assert caught.value.field == "name"


def test_helpers_for_services_that_take_the_actor(two: Two) -> None:
    provider, admin = two.provider(), system_actor("test")
    assert may_act_for(provider, two.own.id)
    assert not may_act_for(provider, two.other.id)
    assert may_act_for(admin, two.other.id)
    assert target_organisation(provider, None) == two.own.id
    assert target_organisation(provider, two.own.id) == two.own.id
    with pytest.raises(Forbidden):
        target_organisation(provider, two.other.id)
    assert target_organisation(admin, two.other.id) == two.other.id
    assert target_organisation(admin, None) is None
    statement = select(Organisation.id)
    assert confine(statement, Organisation.id, admin) is statement
    assert "organisation.id = " in str(confine(statement, Organisation.id, provider))


def test_an_organisation_is_scoped_by_its_own_id(two: Two) -> None:
    assert two.other.scope_owner_id == two.other.id
