"""Foresight use cases (population projection, demand, workforce, scenarios)."""

from __future__ import annotations
