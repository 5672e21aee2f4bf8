"""The audit log in the browser (issue 14 item 6): Dutch names, filters, CSV in local time."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.region_time import today as region_today
from verkeerstoren.storage.base import Base
from verkeerstoren.web.i18n import catalogue


def test_every_table_and_action_has_a_dutch_name() -> None:
    dutch = catalogue("nl")
    missing = [t for t in Base.metadata.tables if f"audit.table.{t}" not in dutch]
    assert missing == []
    for action in ("create", "update", "delete", "read", "login", "logout", "report"):
        assert f"audit.action.{action}" in dutch


def test_the_log_shows_dutch_names(login: Callable[[str], Browser]) -> None:
    page = login("admin").get("/admin/audit?action=login")
    assert page.status_code == 200
    assert "ingelogd" in page.text
    assert "gebruiker" in page.text  # user_account
    assert ">login<" not in page.text


def test_filter_by_person(login: Callable[[str], Browser], session: Session) -> None:
    login("viewer")
    page = login("admin").get("/admin/audit?person=viewer@demo")
    rows = page.text.split("<tbody>")[1].split("</tbody>")[0]
    assert "viewer@demo.verkeerstoren.nl" in rows
    assert "admin@demo.verkeerstoren.nl" not in rows


def test_filter_by_patient_request(login: Callable[[str], Browser], session: Session) -> None:
    request = session.scalars(select(PlacementRequest).order_by(PlacementRequest.id)).first()
    assert request is not None
    login("coordinator").get(f"/placement/requests/{request.id}")  # a read, audited
    page = login("admin").get(f"/admin/audit?request={request.id}")
    rows = page.text.split("<tbody>")[1].split("</tbody>")[0]
    assert "ingezien" in rows  # the coordinator's read of this request
    # Every row shown belongs to this request: its own rows or its status changes.
    shown = {int(line.split("<td>")[1].split("<")[0])
             for line in rows.split("<tr>")[1:]}
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.id.in_(shown))):
        assert (entry.entity == "placement_request" and entry.entity_id == str(request.id)) \
            or f'"request_id": {request.id}' in entry.detail, entry.id


def _rows(page_text: str) -> int:
    return page_text.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")


def test_filter_by_period_uses_the_regions_days(login: Callable[[str], Browser]) -> None:
    admin = login("admin")
    assert _rows(admin.get("/admin/audit?from=2001-01-01&until=2001-01-02").text) == 0
    today = region_today().isoformat()
    assert _rows(admin.get(f"/admin/audit?from={today}&until={today}").text) > 0
    assert admin.get("/admin/audit?from=nonsense").status_code == 422


def test_the_csv_has_local_time_with_its_offset(login: Callable[[str], Browser],
                                                session: Session) -> None:
    answer = login("admin").get("/api/v1/audit/export.csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    last = rows[-1]
    entry = session.get(AuditEntry, int(last["id"]))
    assert entry is not None
    stored = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    shown = datetime.fromisoformat(last["at"])
    assert shown == stored.replace(microsecond=0)
    assert shown.utcoffset() == stored.astimezone(ZoneInfo("Europe/Amsterdam")).utcoffset()
