"""Retention (issue 18 item 6): after the purge nothing personal remains, the KPIs are unchanged.

The personal data is listed below apart from the code (what AVG art. 4 calls personal data of
the patient, plus every free text, which may hold anything), and checked two ways: the columns
themselves (NULL on every purged row) and a search of every text column of every table, the
audit log included, for the unmistakable values this test wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import String, Text, cast, func, select
from sqlalchemy.orm import Session

from tests.placement.conftest import hold_free_bed, user_actor
from verkeerstoren.audit import service as audit
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.cli import main
from verkeerstoren.kpi.computed import COMPUTATIONS, compute_all
from verkeerstoren.kpi.periods import last_complete_quarter, quarters_back
from verkeerstoren.notifications.models import Notification
from verkeerstoren.placement import service as placement
from verkeerstoren.placement.models import (
    PlacementRequest,
    RequestStatus,
    Reservation,
    StatusChange,
    UnplacedReason,
)
from verkeerstoren.placement.schemas import RequestOut
from verkeerstoren.planning.observed import Area, observe
from verkeerstoren.registry.models import UnitBedType
from verkeerstoren.retention import personal_columns, purge
from verkeerstoren.storage import migrate
from verkeerstoren.storage.base import Base, utcnow

# The reviewed policy: every column that holds the patient's data or free text about the case.
# Kept on purpose (docs/privacy.md): ids, statuses, times and dates, bed types, features,
# financing, urgency, gemeente (what the KPIs and the analysis count), and staff labels.
PERSONAL = {
    "placement_request": {"pseudonym", "birth_year", "sex", "postcode_area", "care_needs",
                          "referrer_name", "close_note"},
    "reservation": {"reason"},
    "placement_status_change": {"note"},
    "notification": {"params"},  # deleted with the request's reservations
    "webhook_delivery": {"payload"},  # deleted once finished and past the retention
}
MARK = "rtmark"  # in every text this test writes: found nowhere after the purge
PSEUDONYM = f"{MARK}-episode-1"
RETENTION = timedelta(days=90)


def test_the_models_mark_exactly_the_personal_columns() -> None:
    marked = {table.name: set(personal_columns(table))
              for table in Base.metadata.sorted_tables if personal_columns(table)}
    assert marked == PERSONAL


def _kpis(session: Session, today: date) -> dict[str, object]:
    """Every figure computed from placement requests: the KPIs per quarter, the analysis of
    unplaced requests and the planning inputs."""
    figures: dict[str, object] = {}
    for period in quarters_back(last_complete_quarter(today), 12):
        for key, value in compute_all(session, list(COMPUTATIONS), period).items():
            figures[f"{period.label}:{key}"] = (value.value, value.ids, value.details)
    figures["analysis"] = placement.analyse(session, today - timedelta(days=3 * 365), today,
                                            today=today).model_dump()
    for bed_type in sorted({ubt.bed_type_code for ubt in session.scalars(select(UnitBedType))}):
        observed = observe(session, bed_type, Area(), end=today, days=365)
        figures[f"planning:{bed_type}"] = (observed.requests, observed.arrivals_per_day)
    return figures


def _texts_holding(session: Session, needle: str) -> list[str]:
    """Every table.column whose text (JSON as text) contains ``needle``, in the whole database."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text) and "JSON" not in str(column.type):
                continue
            hits = session.scalar(select(func.count()).select_from(table)
                                  .where(cast(column, Text).contains(needle)))
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


@pytest.fixture
def closed_case(session: Session, make_request: Callable[..., PlacementRequest],
                one_free_bed: UnitBedType) -> PlacementRequest:
    """A request with a marker in every text: a hold declined with a reason (notifying the
    requester), a second hold cancelled, then closed as unplaced with a note."""
    coordinator = user_actor(session, "coordinator")
    provider = user_actor(session, "provider")
    first = hold_free_bed(session, lambda bt: make_request(
        bt, pseudonym=PSEUDONYM, care_needs=f"{MARK} needs oxygen at night",
        referrer_name=f"Dr. {MARK}", birth_year=1911, postcode_area=2713),
        one_free_bed)
    request = first.request
    placement.decline(session, provider, first.id, f"{MARK} declined: no oxygen")
    second = placement.reserve(session, coordinator, request.id, one_free_bed.unit_id,
                               one_free_bed.bed_type_code)
    placement.cancel(session, coordinator, second.id, f"{MARK} family chose another place")
    placement.close_unplaced(session, coordinator, request.id, UnplacedReason.OTHER,
                             f"{MARK} closed: moved abroad")
    session.flush()
    assert request.status is RequestStatus.UNPLACED
    return request


def test_purge_leaves_nothing_personal_and_the_kpis_unchanged(
        session: Session, closed_case: PlacementRequest) -> None:
    today = utcnow().date()
    before = _kpis(session, today)
    assert _texts_holding(session, MARK), "the markers were written"
    audit.write_queued(session)  # the log as the commit would write it
    # Going forward the log records that personal fields were set, never their values.
    assert not [name for name in _texts_holding(session, MARK) if name.startswith("audit")]

    closed = session.scalar(select(func.count()).select_from(PlacementRequest).where(
        PlacementRequest.closed_at.is_not(None))) or 0
    closed_at = closed_case.closed_at
    assert closed_at is not None
    # A purge before the retention has passed removes nothing of this case.
    early = purge(session, retention=RETENTION, now=closed_at + RETENTION / 2)
    assert session.get(PlacementRequest, closed_case.id).pseudonym == PSEUDONYM  # type: ignore[union-attr]
    assert early.requests < closed

    result = purge(session, retention=RETENTION,
                   now=closed_at + RETENTION + timedelta(seconds=1))
    session.flush()
    assert early.requests + result.requests == closed  # every closed request, demo ones too
    assert result.notifications >= 1  # the decline told the requester, with the reason

    purged = list(session.scalars(select(PlacementRequest.id).where(
        PlacementRequest.purged_at.is_not(None))))
    assert closed_case.id in purged
    assert len(purged) == closed
    reservations = list(session.scalars(select(Reservation.id).where(
        Reservation.request_id.in_(purged))))
    assert len(reservations) >= 2
    rows = {"placement_request": (PlacementRequest, PlacementRequest.id.in_(purged)),
            "reservation": (Reservation, Reservation.request_id.in_(purged)),
            "placement_status_change": (StatusChange, StatusChange.request_id.in_(purged))}
    for name, (model, where) in rows.items():
        table = model.__table__
        for row in session.execute(select(table).where(where)).mappings():
            for column in PERSONAL[name]:
                assert row[column] is None, (name, row["id"], column)
    assert not session.scalar(select(func.count()).select_from(Notification).where(
        Notification.reservation_id.in_(reservations)))
    assert _texts_holding(session, MARK) == []  # nowhere: not in the audit log either

    after = _kpis(session, today)
    assert after == before
    # The purge is in the log by ids, and a second run finds nothing left to do.
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "purge")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert str(closed_case.id) in json.loads(entry.detail)["ids"]
    again = purge(session, retention=RETENTION, now=closed_at + 2 * RETENTION)
    assert again.requests == 0
    # The API still answers for a purged request, with its details empty.
    shown = RequestOut.model_validate(session.get(PlacementRequest, closed_case.id))
    assert shown.pseudonym is None
    assert shown.purged_at is not None
    last = last_complete_quarter(today).label
    shown_kpis = {k: before[k] for k in before if k.startswith(last) and "rate" not in k}
    print(f"\npurge: {len(purged)} requests, {len(reservations)} reservations purged; "
          f"{len(before)} figures equal before and after; {last}: "
          + "; ".join(f"{k.split(':')[1]}={v[0]}" for k, v in shown_kpis.items()  # type: ignore[index]
                      ))


def test_live_requests_are_never_purged(
        session: Session, make_request: Callable[..., PlacementRequest],
        one_free_bed: UnitBedType) -> None:
    request = make_request(one_free_bed.bed_type_code)
    purge(session, retention=timedelta(seconds=1), now=utcnow() + timedelta(days=3650))
    session.refresh(request)
    assert request.purged_at is None
    assert request.pseudonym is not None


def test_the_purge_command_reports_what_it_did(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    migrate.upgrade(url)
    runner = CliRunner()
    env = {"VERKEERSTOREN_DATABASE_URL": url}
    done = runner.invoke(main, ["purge", "--days", "30"], env=env)
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Purged: 0 requests closed before ")
    refused = runner.invoke(main, ["purge", "--days", "0"], env=env)
    assert refused.exit_code == 2
    assert "must be more than 0" in refused.output
