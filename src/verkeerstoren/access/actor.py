"""Who is acting: a logged-in user, an API token, or the system itself (CLI, demo, scheduler)."""

from __future__ import annotations

from dataclasses import dataclass

from verkeerstoren.access.roles import UNSCOPED_ROLES, Permission, Role, allows


@dataclass(frozen=True, slots=True)
class Actor:
    """The identity a service call runs under; passed explicitly, never read from a global."""

    role: Role
    organisation_id: int | None
    label: str
    user_id: int | None = None
    token_id: int | None = None
    ip: str | None = None
    # The person's name for greetings; the audit log keeps ``label`` (the e-mail address).
    display_name: str | None = None

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self.token_id is None

    @property
    def scoped_organisation(self) -> int | None:
        """The organisation this actor's writes are confined to, or None when unconfined."""
        if self.is_system or self.role in UNSCOPED_ROLES:
            return None
        return self.organisation_id

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)


def system_actor(label: str = "system") -> Actor:
    return Actor(role=Role.ADMIN, organisation_id=None, label=label)
