"""Organisation scoping: the one API through which code confines, or deliberately widens, reads.

A session acts for one actor, bound by :func:`bind_actor` (the only code that writes the
session's actor). When the actor's role is confined to its own organisation (provider,
referrer, …):

* in an *edit* session every ORM select of an organisation-owned table (:class:`OrgOwned`, and
  the organisation table itself, :class:`OrgRoot`) only sees that organisation's rows, so
  another organisation's unit is simply not found;
* :func:`scoped_get` is ``session.get`` with the same rule, also for a row that is already in
  the session's identity map (``session.get`` returns those without running a select, so the
  filter above never sees them);
* in *every* session, flushing a new, changed or deleted row owned by another organisation
  raises :class:`ScopeViolation` before anything reaches the database.

Reading across organisations on purpose (regional totals, a referrer's name, a name that must
be unique in the whole region) is written ``with across_organisations(session): ...``, so every
such place can be found with grep. Only reads are widened; the flush guard stays.

This module is part of the access kernel (with ``access.actor`` and ``access.roles``): it
imports no capability, so every capability's models may use its mixins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, ForeignKey, Select, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

from verkeerstoren.access.actor import Actor
from verkeerstoren.errors import Forbidden

_ACTOR = "actor"
_SCOPE = "scope_org"

_T = TypeVar("_T")
_S = TypeVar("_S", bound=Select[Any])


class ScopeViolation(PermissionError):
    """A write to a row of another organisation than the actor's."""


class OrgOwned:
    """Mixin for tables with an ``organisation_id`` column owned by that organisation.

    Tables declare their own column (with their own index choices); this default exists so
    that the loader criteria below can be analysed against the mixin itself.
    """

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))

    @property
    def scope_owner_id(self) -> int | None:
        """The organisation whose row this is, for the flush guard (a name no column uses)."""
        return int(self.organisation_id) if self.organisation_id is not None else None


class OrgRoot:
    """Mixin for the organisation table itself: a row is owned by the organisation it is.

    Like :class:`OrgOwned` it declares a default column only so that the loader criteria can
    be analysed against the mixin; the table declares its own primary key.
    """

    id: Mapped[int] = mapped_column(primary_key=True)

    @property
    def scope_owner_id(self) -> int | None:
        return int(self.id) if self.id is not None else None


def owner_of(obj: object) -> int | None:
    """The organisation that owns a mapped row, or None for rows no organisation owns.

    Child tables without their own ``organisation_id`` (a unit's beds, a team's areas) declare a
    ``scope_owner_id`` property that asks their parent.
    """
    owner = getattr(obj, "scope_owner_id", None)
    return owner if isinstance(owner, int) else None


def install(factory: sessionmaker[Session]) -> None:
    """Attach the query filter and the flush guard to a session factory."""

    @event.listens_for(factory, "do_orm_execute")
    def _filter(state: ORMExecuteState) -> None:
        org_id = state.session.info.get(_SCOPE)
        if org_id is None or not state.is_select:
            return
        state.statement = state.statement.options(
            with_loader_criteria(
                OrgOwned,
                lambda cls: cls.organisation_id == org_id,
                include_aliases=True,
            ),
            with_loader_criteria(
                OrgRoot,
                lambda cls: cls.id == org_id,
                include_aliases=True,
            ),
        )

    @event.listens_for(factory, "before_flush")
    def _guard(session: Session, _context: object, _instances: object) -> None:
        actor = actor_of(session)
        org_id = actor.scoped_organisation if actor is not None else None
        if org_id is None:
            return
        for obj in (*session.new, *session.dirty, *session.deleted):
            owner = owner_of(obj)
            if owner is not None and owner != org_id:
                raise ScopeViolation(
                    f"{type(obj).__name__} belongs to organisation {owner}, not {org_id}"
                )


# --- binding an actor to a session ---------------------------------------------------------


def bind_actor(session: Session, actor: Actor, *, edit: bool = False) -> None:
    """Make the session act for this actor (audit entries, the flush guard).

    ``edit`` also confines the session's reads to the actor's organisation: the web's edit
    contexts pass it; the CLI, the scheduler and read-only pages do not.
    """
    session.info[_ACTOR] = actor
    session.info[_SCOPE] = actor.scoped_organisation if edit else None


def actor_of(session: Session) -> Actor | None:
    """The actor the session acts for, or None when none was bound."""
    actor = session.info.get(_ACTOR)
    return actor if isinstance(actor, Actor) else None


def read_scope(session: Session) -> int | None:
    """The organisation the session's reads are confined to, or None when they are not."""
    scope = session.info.get(_SCOPE)
    return scope if isinstance(scope, int) else None


# --- reading within the scope --------------------------------------------------------------


def may_act_for(actor: Actor, organisation_id: int | None) -> bool:
    """Whether the actor's writes may touch this organisation's rows (always, when unconfined)."""
    scope = actor.scoped_organisation
    return scope is None or scope == organisation_id


def scoped_get(
    session: Session, model: type[_T], ident: Any, *, actor: Actor | None = None
) -> _T | None:
    """``session.get`` that returns None for a row outside the scope, wherever it came from.

    The scope is the session's read scope (an edit session); pass ``actor`` to confine a
    reading session to that actor's organisation as well.
    """
    found = session.get(model, ident)
    if found is None:
        return None
    owner = owner_of(found)
    if owner is None:
        return found
    scope = read_scope(session)
    if scope is not None and owner != scope:
        return None
    if actor is not None and not may_act_for(actor, owner):
        return None
    return found


def confine(statement: _S, column: ColumnElement[int] | Mapped[int], actor: Actor) -> _S:
    """Add "only the actor's organisation" to a select when the actor is confined.

    For reading sessions, where the automatic filter is off: lists a provider should only
    see its own rows of (its pull endpoints, its webhooks, its reported waits).
    """
    scope = actor.scoped_organisation
    return statement if scope is None else statement.where(column == scope)


def target_organisation(actor: Actor, requested: int | None) -> int | None:
    """The organisation a new row is for: a confined actor's own (naming another is Forbidden),
    otherwise the one requested (None when none was)."""
    scope = actor.scoped_organisation
    if scope is None:
        return requested
    if requested is not None and requested != scope:
        raise Forbidden("may only act for the actor's own organisation")
    return scope


# --- reading across organisations, deliberately --------------------------------------------


@contextmanager
def across_organisations(session: Session) -> Iterator[None]:
    """Read every organisation's rows inside this block, on purpose.

    The one way to widen an edit session's reads: regional aggregates, the webhooks of the
    organisation being notified, a referrer's name and phone, names that are unique in the
    whole region. Only reads are widened; the flush guard stays in force.
    """
    saved = session.info.get(_SCOPE)
    session.info[_SCOPE] = None
    try:
        yield
    finally:
        session.info[_SCOPE] = saved
