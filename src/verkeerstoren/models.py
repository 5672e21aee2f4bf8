"""Imports every capability's models so that one metadata describes the whole schema."""

from importlib import import_module

from verkeerstoren.storage.base import Base

# Every sub-package with a models.py; keep in the order of verkeerstoren.app.CAPABILITIES.
MODEL_PACKAGES = ("registry", "access", "audit", "capacity", "placement", "notifications",
                  "opendata", "waiting_times", "kpi")

for _package in MODEL_PACKAGES:
    import_module(f"verkeerstoren.{_package}.models")

metadata = Base.metadata
