"""The mixed-load benchmark (bench.mixed, issue 18 item 3) at a tiny scale on SQLite.

It runs through the real API of a real ``verkeerstoren serve`` process: every kind of request
is answered, report events reach the open boards of the unit's region, and the overbooking
counts (SQL on the database, independent of the app's own counters) are 0. Correctness only:
no timing is asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.mixed import arguments, run


def test_the_mixed_load_runs_through_the_api_and_overbooks_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the bench writes its Markdown under var/bench/
    args = arguments(["--database", "sqlite", "--locations", "40", "--units", "300",
                      "--boards", "10", "--seconds", "3", "--warmup", "1",
                      "--reservation-rates", "1,3", "--report-rate", "5", "--timeout", "30"])
    text, outcome, checks = run(args, "test")

    assert len(checks) == 4
    assert all(count == 0 for count in checks.values()), checks
    results = outcome["results"]
    samples = results["reporter"][1] + results["coordinator"][1]
    answered = {kind for kind, _, _, result in samples if result == "ok"}
    assert {"report", "request", "options", "reserve"} <= answered
    assert outcome["connected"] == 10
    delivered = results["boards"][1]  # per report: (step, boards expected, boards reached, …)
    assert sum(reached for _, _, reached, *_ in delivered) > 0
    assert "| report |" in text
    assert "Overbookings after the run" in text
