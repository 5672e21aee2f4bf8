"""Migration 0013: a pull source's last result moves from JSON text into columns and rows,
keeping what existing sources show (and back again on downgrade)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from alembic import command

from verkeerstoren.storage import migrate

BEFORE = "0012_login_sessions"
FAILED = {"accepted": 0, "more": 3, "problems": [
    {"row": 2, "field": "staffed", "message": "not a whole number", "params": {}},
    {"row": None, "field": "url", "message": "the address answered with HTTP status {status}",
     "params": {"status": "500"}}]}


def test_the_last_results_are_converted_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, BEFORE)
    with sqlite3.connect(path) as raw:  # foreign keys off: no organisation rows needed
        raw.executemany(
            "INSERT INTO pull_source (id, organisation_id, url, format, interval_minutes, "
            "active, last_run_at, last_ok, last_message) "
            "VALUES (?, 1, 'https://x.example/', 'CSV', 5, 1, '2026-01-01 00:00:00', ?, ?)",
            [(1, True, json.dumps({"accepted": 7, "problems": [], "more": 0})),
             (2, False, json.dumps(FAILED)),
             (3, False, "the address cannot be reached (ConnectError)"),
             (4, None, None)])
    migrate.upgrade(url)
    with sqlite3.connect(path) as raw:
        assert raw.execute(
            "SELECT id, last_ok, last_accepted, last_more_problems FROM pull_source ORDER BY id"
        ).fetchall() == [(1, 1, 7, 0), (2, 0, None, 3), (3, 0, None, 0), (4, None, None, 0)]
        problems = raw.execute("SELECT source_id, position, row, field, message, params "
                               "FROM pull_problem ORDER BY source_id, position").fetchall()
    assert [(s, pos, row, f, m, json.loads(p)) for s, pos, row, f, m, p in problems] == [
        (2, 0, 2, "staffed", "not a whole number", {}),
        (2, 1, None, "url", "the address answered with HTTP status {status}",
         {"status": "500"}),
        (3, 0, None, "", "the address cannot be reached (ConnectError)", {}),
    ]
    command.downgrade(migrate.alembic_config(url), BEFORE)
    with sqlite3.connect(path) as raw:
        back = dict(raw.execute("SELECT id, last_message FROM pull_source").fetchall())
    assert json.loads(back[1]) == {"accepted": 7, "problems": [], "more": 0}
    assert json.loads(back[2])["problems"] == FAILED["problems"]
    assert json.loads(back[2])["more"] == 3
