"""Foresight use cases (population projection, demand, workforce, scenarios)."""

from __future__ import annotations

# --- forecast measures (helper "demand"): computed indicators a KPI can be bound to ---
from verkeerstoren.foresight.measures import (
    forecast_measures as forecast_measures,
)
from verkeerstoren.foresight.measures import (
    forecast_value as forecast_value,
)
