"""Issue 14 item 4: progress for a quarter that already has an entry is answered on the same
form (replace or keep), and what was typed stays in the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.kpi.models import ProgressEntry, Project


def test_a_second_entry_for_a_quarter_offers_replace_or_keep_and_keeps_the_text(
    session: Session, login: Callable[[str], Browser],
) -> None:
    entry = session.scalars(select(ProgressEntry).order_by(ProgressEntry.id)).first()
    assert entry is not None, "the demo has progress entries"
    project = session.get(Project, entry.project_id)
    assert project is not None
    analyst = login("analyst")
    page = analyst.get(f"/kpi/projects/{project.id}").text
    if f"<option>{entry.quarter}</option>" not in page:  # the form offers recent quarters
        entry.quarter = re.findall(r"<option>(\d{4}Q\d)</option>", page)[0]
        session.flush()
    typed = {"csrf_token": analyst.csrf, "quarter": entry.quarter, "status": "amber",
             "phase": entry.phase.value, "progress": "Nieuwe tekst die niet verloren mag gaan",
             "risks": "Personeel", "decisions_needed": "", "on_duplicate": "ask"}
    asked = analyst.post(f"/kpi/projects/{project.id}/progress", data=typed)
    assert asked.status_code == 409
    text = unescape(asked.text)
    assert "Nieuwe tekst die niet verloren mag gaan" in text
    assert 'data-testid="progress-replace"' in text
    assert 'data-testid="progress-keep"' in text
    assert f"<option selected>{entry.quarter}</option>" in text
    stored = entry.progress
    kept = analyst.post(f"/kpi/projects/{project.id}/progress",
                        data={**typed, "on_duplicate": "keep"}, follow_redirects=False)
    assert kept.status_code == 303
    session.refresh(entry)
    assert entry.progress == stored
    replaced = analyst.post(f"/kpi/projects/{project.id}/progress",
                            data={**typed, "on_duplicate": "replace"}, follow_redirects=False)
    assert replaced.status_code == 303
    session.refresh(entry)
    assert entry.progress == "Nieuwe tekst die niet verloren mag gaan"
