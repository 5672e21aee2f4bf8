"""Fixtures: the demo region with its monitoring data (seeded here when the builder has not)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.kpi.demo import seed_kpi_demo
from verkeerstoren.kpi.models import Goal

TODAY = date(2026, 11, 23)


def ensure_kpi_demo(session: Session) -> None:
    """Seed the monitoring demo into the (rolled-back) test session if it is not there yet."""
    if session.scalar(select(Goal.id).limit(1)) is None:
        seed_kpi_demo(session, today=TODAY)
        session.flush()


@pytest.fixture
def kpi_session(session: Session) -> Session:
    """The demo session with the goal tree, measurements, actions and projects."""
    ensure_kpi_demo(session)
    return session
