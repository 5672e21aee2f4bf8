"""Every read that shows patient-related data writes an audit entry, for every role.

The test walks every GET route of the route table (as tests/web/test_permissions.py does, so a
new route is walked the day it is added) as every role that may open it, with a placement
request whose texts are unmistakable markers and a bed held for it. A response that shows a
marker must have written a read (or export) entry for that user, and must be declared below;
every declared route must indeed be seen showing the markers, so the detector cannot go blind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Browser
from tests.placement.conftest import hold_free_bed, request_in, user_actor
from tests.web.test_permissions import ROLES, _requirement, _routes, is_event_stream
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.roles import GRANTS, Role
from verkeerstoren.audit.models import AuditEntry
from verkeerstoren.capacity import service as capacity
from verkeerstoren.capacity.models import ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.placement import service as placement
from verkeerstoren.placement.models import PlacementRequest, Reservation
from verkeerstoren.registry.models import CareUnit, UnitBedType

# Written apart from the routes: the GET routes that show a patient's pseudonym, age, sex,
# postcode area, care needs or referrer (or, in JSON, name the patient's request).
PATIENT_DATA_ROUTES = {
    "/placement",
    "/placement/mine",
    "/placement/requests/{request_id}",
    "/placement/incoming",
    "/api/v1/placement/requests",
    "/api/v1/placement/requests/{request_id}",
    "/api/v1/placement/reservations",
    # Not /api/v1/audit/export.csv: since issue 18 the log records that personal fields were
    # set, never their values (tests/privacy/test_retention.py).
}
PSEUDONYM = "audit-marker-episode"
CARE_NEEDS = "audit-marker-care-needs"
REFERRER = "Dr. Audit-Marker"
BIRTH_YEAR = 1913
# Lists show only "birth year · sex · postcode area": that combination is a marker too.
PROFILE = re.compile(rf"\b{BIRTH_YEAR}\b\)? · [^·<]{{1,40}} · [^·<0-9]{{0,40}}2712\b")
LOGGED = ("read", "export")


@dataclass(frozen=True)
class Patient:
    request: PlacementRequest
    reservation: Reservation

    def shown_in(self, body: str) -> bool:
        return (any(marker in body for marker in (PSEUDONYM, CARE_NEEDS, REFERRER))
                or f'"request_id":{self.request.id}' in body or PROFILE.search(body) is not None)

    def concrete(self, path: str) -> str:
        values = {"request_id": self.request.id, "reservation_id": self.reservation.id,
                  "unit_id": self.reservation.unit_id}
        return re.sub(r"\{([^}]+)\}", lambda m: str(values.get(m.group(1), 1)), path)


@pytest.fixture
def patient(session: Session) -> Patient:
    """A request with marker texts and a bed held for it at the 'provider' user's organisation."""
    provider = user_actor(session, "provider")
    ubt = session.scalars(select(UnitBedType).join(CareUnit).where(
        CareUnit.organisation_id == provider.organisation_id).order_by(UnitBedType.unit_id)).first()
    assert ubt is not None
    staffed = min(ubt.physical_beds, 3)
    capacity.submit_reports(session, system_actor(), [ReportIn(
        unit_id=ubt.unit_id, bed_type_code=ubt.bed_type_code, staffed=staffed,
        occupied=staffed - 1)], ReportSource.API)
    session.flush()

    def make(bed_type: str) -> PlacementRequest:
        return placement.create_request(
            session, user_actor(session, "coordinator"),
            request_in(bed_type, pseudonym=PSEUDONYM, care_needs=CARE_NEEDS,
                       referrer_name=REFERRER, birth_year=BIRTH_YEAR, postcode_area=2712))

    reservation = hold_free_bed(session, make, ubt)
    session.flush()
    return Patient(reservation.request, reservation)


def _newest_id(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.id))) or 0


def test_every_read_of_patient_data_is_audited_for_every_role(
    app: FastAPI, session: Session, login: Callable[[str], Browser], patient: Patient
) -> None:
    shown_by: dict[str, list[str]] = {}
    problems: list[str] = []
    routes = [(path, route) for method, path, route in _routes(app) if method == "GET"]
    missing = PATIENT_DATA_ROUTES - {path for path, _route in routes}
    assert not missing, f"declared routes that no longer exist: {missing}"
    for role in ROLES:
        browser = login(role)
        for path, route in routes:
            login_required, permission = _requirement(route)
            if not login_required or path == "/logout" or is_event_stream(route):
                continue
            if permission is not None and Role(role) not in GRANTS[permission]:
                continue
            before = _newest_id(session)
            answer = browser.get(patient.concrete(path), follow_redirects=False)
            if answer.status_code != 200 or not patient.shown_in(answer.text):
                continue
            shown_by.setdefault(path, []).append(role)
            if path not in PATIENT_DATA_ROUTES:
                problems.append(f"{path} shows patient data to {role} but is not declared")
            logged = session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.id > before, AuditEntry.action.in_(LOGGED),
                AuditEntry.actor_label.startswith(f"{role}@")))
            if not logged:
                problems.append(f"{path} showed patient data to {role} and wrote no audit entry")
    unseen = PATIENT_DATA_ROUTES - shown_by.keys()
    assert not unseen, f"declared routes never seen showing the patient (test blind?): {unseen}"
    assert not problems, "\n".join(problems)
    assert {"provider", "admin"} <= set(shown_by["/placement/incoming"])
