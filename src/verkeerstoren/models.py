"""Imports every capability's models so that one metadata describes the whole schema."""

from importlib import import_module

from verkeerstoren import capabilities
from verkeerstoren.storage.base import Base

# Every package with tables, as verkeerstoren.capabilities lists them.
MODEL_PACKAGES = capabilities.names(models=True)

for _package in MODEL_PACKAGES:
    import_module(f"verkeerstoren.{_package}.models")

metadata = Base.metadata
