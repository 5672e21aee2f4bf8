"""Organisation scoping: one query filter and one flush guard that no route can forget.

A session carries its actor in ``session.info["actor"]``. When the actor's role is confined to
its own organisation (provider, referrer, …):

* in an *edit* session (``session.info["scope_org"]``) every ORM select of an organisation-owned
  table only sees that organisation's rows, so another organisation's unit is simply not found;
* in *every* session, flushing a new, changed or deleted row owned by another organisation
  raises :class:`ScopeViolation` before anything reaches the database.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

from verkeerstoren.access.actor import Actor


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


def _owner(obj: object) -> int | None:
    owner = getattr(obj, "scope_owner_id", None)
    return owner if isinstance(owner, int) else None


def install(factory: sessionmaker[Session]) -> None:
    """Attach the query filter and the flush guard to a session factory."""
    from verkeerstoren.registry.models import Organisation

    @event.listens_for(factory, "do_orm_execute")
    def _filter(state: ORMExecuteState) -> None:
        org_id = state.session.info.get("scope_org")
        if org_id is None or not state.is_select:
            return
        state.statement = state.statement.options(
            with_loader_criteria(
                OrgOwned,
                lambda cls: cls.organisation_id == org_id,
                include_aliases=True,
            ),
            with_loader_criteria(Organisation, Organisation.id == org_id, include_aliases=True),
        )

    @event.listens_for(factory, "before_flush")
    def _guard(session: Session, _context: object, _instances: object) -> None:
        actor = session.info.get("actor")
        if not isinstance(actor, Actor):
            return
        org_id = actor.scoped_organisation
        if org_id is None:
            return
        for obj in (*session.new, *session.dirty, *session.deleted):
            owner = _owner(obj)
            if isinstance(obj, Organisation):
                owner = obj.id
            if owner is not None and owner != org_id:
                raise ScopeViolation(
                    f"{type(obj).__name__} belongs to organisation {owner}, not {org_id}"
                )


def bind_actor(session: Session, actor: Actor, *, edit: bool) -> None:
    """Make the session act for this actor; ``edit`` turns on the read filter too."""
    session.info["actor"] = actor
    session.info["scope_org"] = actor.scoped_organisation if edit else None
