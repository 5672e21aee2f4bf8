"""Build a registry of any size quickly: bulk Core inserts (COPY on PostgreSQL), not the ORM."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from verkeerstoren.access import service as access_service
from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.capacity.models import AvailabilityReport, BedState, ReportSource
from verkeerstoren.registry.models import (
    CareUnit,
    Gemeente,
    Location,
    Organisation,
    OrganisationKind,
    Region,
    UnitBedType,
    unit_feature,
)
from verkeerstoren.registry.reference import BED_TYPES, FEATURES, ensure_reference_data
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

CHUNK = 20_000


@dataclass
class Registry:
    """What the benchmark needs to know about the database it built."""

    regions: int
    keys: list[tuple[int, str]]  # every unit × bed type
    physical: dict[tuple[int, str], int]
    provider_org: int
    provider_keys: list[tuple[int, str]]
    provider_token: str
    coordinator_token: str
    admin_token: str
    seconds: float


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _insert(db: Database, table: Table, rows: list[dict[str, Any]]) -> None:
    with db.engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(table), rows[start : start + CHUNK])


def _copy_reports(db: Database, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY: a million history rows in seconds instead of minutes."""
    columns = list(rows[0])
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        sql = f"COPY availability_report ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()


def _fix_sequences(db: Database, tables: list[str]) -> None:
    if db.is_sqlite:
        return
    with db.engine.begin() as conn:
        for name in tables:
            conn.execute(text(  # names are this module's constants, not input
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {name}))"))


def _counts(rng: random.Random, physical: int) -> dict[str, int]:
    staffed = rng.randint(max(0, physical - 3), physical)
    occupied = rng.randint(0, staffed)
    blocked = rng.randint(0, staffed - occupied) if rng.random() < 0.2 else 0
    return {"physical": physical, "staffed": staffed, "occupied": occupied, "blocked": blocked}


def build(db: Database, *, locations: int, units: int, reports: int, seed: int = 4) -> Registry:
    """Fill a migrated, empty database with a registry of this size plus report history."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - invented, reproducible benchmark data
    now = utcnow()
    with db.session() as session:
        ensure_reference_data(session)
    n_regions = max(1, locations // 80)
    n_gemeenten = max(n_regions, locations // 6)
    n_orgs = max(2, locations // 4)
    _insert(db, _table(Region), [{"id": i, "name": f"Bench-regio {i}"}
                                 for i in range(1, n_regions + 1)])
    _insert(db, _table(Gemeente), [
        {"code": f"GM{i:04d}", "name": f"Bench-gemeente {i}", "region_id": 1 + i % n_regions}
        for i in range(1, n_gemeenten + 1)])
    _insert(db, _table(Organisation), [
        {"id": i, "name": f"Bench-zorgaanbieder {i}", "kind": OrganisationKind.PROVIDER,
         "is_demo": True, "created_at": now, "updated_at": now}
        for i in range(1, n_orgs + 1)])
    _insert(db, _table(Location), [
        {"id": i, "organisation_id": 1 + i % n_orgs, "name": f"Locatie {i}",
         "postcode": f"{1000 + i % 8999:04d}AB", "gemeente_code": f"GM{1 + i % n_gemeenten:04d}",
         "latitude": 51.5 + rng.random() * 2, "longitude": 4 + rng.random() * 3,
         "is_demo": True, "created_at": now, "updated_at": now}
        for i in range(1, locations + 1)])
    unit_rows: list[dict[str, Any]] = []
    ubt_rows: list[dict[str, Any]] = []
    feature_rows: list[dict[str, Any]] = []
    state_rows: list[dict[str, Any]] = []
    org_of: dict[int, int] = {}
    codes = [code for code, _, _ in BED_TYPES]
    physical: dict[tuple[int, str], int] = {}
    for u in range(1, units + 1):
        location = 1 + u % locations
        org = 1 + location % n_orgs
        org_of[u] = org
        unit_rows.append({"id": u, "organisation_id": org, "location_id": location,
                          "name": f"Afdeling {u}", "active": True, "is_demo": True,
                          "created_at": now, "updated_at": now})
        # Half the units offer two bed types: about 1.5 × units board rows.
        for code in {codes[u % len(codes)], codes[(u * 7) % len(codes)]}:
            beds = rng.randint(2, 20)
            physical[(u, code)] = beds
            ubt_rows.append({"unit_id": u, "bed_type_code": code, "physical_beds": beds})
            age = timedelta(hours=rng.random() * (60 if rng.random() < 0.15 else 10))
            state_rows.append({"unit_id": u, "bed_type_code": code, "organisation_id": org,
                               "held": 0, "reported_at": now - age, "version": 1,
                               **_counts(rng, beds)})
        if u % 3 == 0:
            feature_rows.append({"unit_id": u, "feature_code": FEATURES[u % len(FEATURES)][0]})
    _insert(db, _table(CareUnit), unit_rows)
    _insert(db, _table(UnitBedType), ubt_rows)
    _insert(db, unit_feature, feature_rows)
    _insert(db, _table(BedState), state_rows)
    _fix_sequences(db, ["region", "organisation", "location", "care_unit"])
    keys = sorted(physical)
    history: list[dict[str, Any]] = []
    # COPY writes raw text: the column stores the enum's value ("api"), as the ORM does.
    source = ReportSource.API if db.is_sqlite else ReportSource.API.value
    for i in range(reports):
        unit_id, code = keys[i % len(keys)]
        at: datetime = now - timedelta(minutes=30 + i % 129_600)  # spread over 90 days
        history.append({"organisation_id": org_of[unit_id], "unit_id": unit_id,
                        "bed_type_code": code, "reported_at": at, "source": source,
                        "reported_by": "bench", **_counts(rng, physical[(unit_id, code)])})
    if history:
        if db.is_sqlite:
            _insert(db, _table(AvailabilityReport), history)
        else:
            _copy_reports(db, history)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    provider_org = org_of[1]
    tokens = {}
    with db.session() as session:
        bind_actor(session, system_actor("bench"))
        for role in (Role.PROVIDER, Role.COORDINATOR, Role.ADMIN):
            tokens[role] = access_service.create_token(
                session, name=f"bench-{role.value}", role=role, organisation_id=provider_org,
                created_by=system_actor("bench")).secret
        stored = session.scalar(select(func.count()).select_from(AvailabilityReport))
        assert stored == reports, (stored, reports)
    return Registry(
        regions=n_regions, keys=keys, physical=physical, provider_org=provider_org,
        provider_keys=[k for k in keys if org_of[k[0]] == provider_org],
        provider_token=tokens[Role.PROVIDER], coordinator_token=tokens[Role.COORDINATOR],
        admin_token=tokens[Role.ADMIN], seconds=time.perf_counter() - started)
