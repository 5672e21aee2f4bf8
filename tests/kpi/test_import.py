"""Measurements by hand and from CSV/Excel: all or nothing, errors name their row."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Role
from verkeerstoren.errors import Forbidden, ValidationErrors
from verkeerstoren.kpi.importer import import_measurements
from verkeerstoren.kpi.models import (
    Direction,
    Frequency,
    Goal,
    GoalLevel,
    Indicator,
    IndicatorKind,
    Measurement,
    Nature,
    Unit,
)

TODAY = date(2026, 11, 23)
ANALYST = Actor(role=Role.ANALYST, organisation_id=None, label="analist")


@pytest.fixture
def tree(session: Session) -> Session:
    """A goal with a quarterly percentage and a qualitative indicator."""
    goal = Goal(level=GoalLevel.MAIN, title="Geen kloof")
    session.add(goal)
    session.flush()
    for code, unit, nature in (("T1", Unit.PERCENT, Nature.QUANTITATIVE),
                               ("T2", Unit.TEXT, Nature.QUALITATIVE)):
        session.add(Indicator(code=code, goal_id=goal.id, name=code, kind=IndicatorKind.RESULT,
                              nature=nature, unit=unit, direction=Direction.UP,
                              frequency=Frequency.QUARTER))
    session.flush()
    return session


def _count(session: Session) -> int:
    """Measurements of this file's own indicators (the demo region has its own)."""
    return session.scalar(select(func.count()).select_from(Measurement).join(Indicator)
                          .where(Indicator.code.in_(("T1", "T2")))) or 0


def _problems(exc: pytest.ExceptionInfo[ValidationErrors]) -> list[tuple[int | None, str]]:
    return [(p.row, p.field) for p in exc.value.problems]


def test_a_good_csv_with_decimal_commas_and_a_narrative_is_written(tree: Session) -> None:
    data = "indicator;period;area;value;narrative\nT1;2026Q2;;91,5;\nT2;2026Q2;;;Loopt\n"
    summary = import_measurements(tree, ANALYST, data.encode(), today=TODAY)
    assert summary.written == 2
    value = tree.scalar(select(Measurement.value).join(Indicator)
                        .where(Indicator.code == "T1", Measurement.period == "2026Q2",
                               Measurement.value.is_not(None)))
    assert value == 91.5


def test_bad_rows_are_named_and_nothing_is_written(tree: Session) -> None:
    data = ("indicator,period,value\nT1,2026Q1,50\nXX,2026Q1,5\nT1,2026-03,5\nT1,2026Q3,150\n"
            "T2,2026Q1,3\nT1,2031Q1,5\n")
    with pytest.raises(ValidationErrors) as exc:
        import_measurements(tree, ANALYST, data.encode(), today=TODAY)
    assert _problems(exc) == [(3, "indicator"), (4, "period"), (5, "value"), (6, "value"),
                              (6, "narrative"), (7, "period")]
    assert _count(tree) == 0


def test_mixed_decimal_marks_are_refused(tree: Session) -> None:
    data = 'indicator;period;value\nT1;2026Q1;50,5\nT1;2026Q2;51.5\n'
    with pytest.raises(ValidationErrors) as exc:
        import_measurements(tree, ANALYST, data.encode(), today=TODAY)
    assert _problems(exc) == [(3, "value")]
    assert _count(tree) == 0


def test_duplicates_ask_then_replace_or_keep(tree: Session) -> None:
    import_measurements(tree, ANALYST, b"indicator,period,value\nT1,2026Q1,50\n", today=TODAY)
    again = b"indicator,period,value\nT1,2026Q1,60\nT1,2026Q2,61\n"
    with pytest.raises(ValidationErrors) as exc:
        import_measurements(tree, ANALYST, again, today=TODAY)
    assert _problems(exc) == [(2, "period")]
    kept = import_measurements(tree, ANALYST, again, today=TODAY, on_duplicate="keep")
    assert (kept.written, kept.kept) == (1, 1)
    replaced = import_measurements(tree, ANALYST, again, today=TODAY, on_duplicate="replace")
    assert replaced.replaced == 2
    assert tree.scalar(select(Measurement.value).join(Indicator)
                       .where(Indicator.code == "T1", Measurement.period == "2026Q1")) == 60


def test_an_excel_file_imports_like_a_csv(tree: Session) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["indicator", "period", "value"])
    sheet.append(["T1", "2026Q3", 88.25])
    buffer = io.BytesIO()
    book.save(buffer)
    assert import_measurements(tree, ANALYST, buffer.getvalue(), today=TODAY).written == 1


def test_viewers_may_not_import(tree: Session) -> None:
    viewer = Actor(role=Role.VIEWER, organisation_id=None, label="kijker")
    with pytest.raises(Forbidden):
        import_measurements(tree, viewer, b"indicator,period,value\n", today=TODAY)
