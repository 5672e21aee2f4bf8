"""Use cases shared by the standards (each standard's own mapping lives in its sub-package)."""

from __future__ import annotations
