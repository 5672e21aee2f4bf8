"""The per-request context every route receives: database session, actor, language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.settings import Settings
from verkeerstoren.web.i18n import Translate


@dataclass
class Ctx:
    """What a route needs; built by the dependencies in :mod:`verkeerstoren.web.deps`."""

    session: Session
    actor: Actor | None
    locale: str
    _: Translate
    csrf_token: str
    settings: Settings

    @property
    def user(self) -> Actor:
        """The actor of a route that requires login (dependencies guarantee it is set)."""
        assert self.actor is not None
        return self.actor
