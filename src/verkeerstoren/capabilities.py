"""The one list of capabilities: it drives routes, models, templates and the menu.

Each record names a sub-package of ``verkeerstoren`` and says which optional parts it has; the
app factory (routes, templates, menu) and ``verkeerstoren.models`` (the schema) read this list
and nothing else, and ``tests/test_capabilities.py`` checks every package against its record.
Adding a capability: ``docs/development.md``, "Adding a capability".

Every capability may import the access kernel, :data:`KERNEL`; the kernel imports no
capability (``tests/test_imports.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Capability:
    """A capability package and the parts it contributes.

    A capability (``library=False``) always has ``service.py``, ``pages.py`` (``router``,
    ``NAV``, optionally ``HOME_PANELS``) and ``templates/<name>/``. A library has services and
    perhaps tables that other capabilities use, but no routes of its own.
    """

    name: str
    codes: str  # the capability codes of ../shared/DESIGN.md ("" for none)
    api: bool = True  # api.py with a router, mounted under /api/v1
    models: bool = True  # models.py with tables (imported into the one metadata)
    library: bool = False

    @property
    def has_pages(self) -> bool:
        return not self.library


# In menu order: the app mounts routes and builds the menu in this order.
CAPABILITIES: tuple[Capability, ...] = (
    Capability("registry", "O1"),
    Capability("capacity", "O2/O3/O6"),
    Capability("placement", "O4/O5"),
    Capability("access", "P1"),
    Capability("audit", "P2"),
    Capability("kpi", "T2-T4"),
    Capability("reports", "T2-T4", api=False, models=False),
    Capability("profiles", "S1", models=False),
    Capability("waiting_times", "T1"),
    Capability("notifications", "O7"),
    Capability("foresight", "S2"),
    Capability("planning", "S3", models=False),
    Capability("interop", "P4", models=False),
    Capability("opendata", "S1", api=False, library=True),
)

# Sub-packages that are not capabilities: infrastructure every capability builds on.
INFRASTRUCTURE = ("storage", "web", "demo", "tables")

# Modules every capability may import (who acts, what a role may do, organisation scope).
KERNEL = ("verkeerstoren.access.actor", "verkeerstoren.access.roles",
          "verkeerstoren.access.scoping")


def names(*, pages: bool = False, api: bool = False, models: bool = False) -> tuple[str, ...]:
    """The names of the capabilities with the parts asked for, in menu order."""
    return tuple(
        c.name for c in CAPABILITIES
        if (not pages or c.has_pages) and (not api or c.api) and (not models or c.models)
    )
