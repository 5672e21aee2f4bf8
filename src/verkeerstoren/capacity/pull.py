"""Scheduled pull: a provider publishes its availability as CSV or JSON at a URL we poll.

The network fetch happens outside any database transaction (on SQLite a write transaction locks
the whole database, and a slow provider endpoint must not stall every other report). The rows
then go through :func:`verkeerstoren.capacity.service.submit_reports` like every other channel,
all or nothing, under an actor confined to the source's organisation.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from verkeerstoren import validation
from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity import importer
from verkeerstoren.capacity.models import PullFormat, PullSource, ReportSource
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.capacity.service import submit_reports
from verkeerstoren.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationErrors,
    ValidationProblem,
)
from verkeerstoren.outbound import Outbound, RefusedAddress
from verkeerstoren.registry.models import Organisation
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
MAX_BYTES = 5 * 1024 * 1024
MAX_SHOWN_PROBLEMS = 10

Fetcher = Callable[[str], bytes]


class PullSourceIn(BaseModel):
    """A provider's endpoint; the organisation defaults to the provider's own."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=500, description="http:// or https:// address.")
    format: PullFormat = PullFormat.CSV
    interval_minutes: int = Field(default=5, ge=1, le=1440)
    active: bool = True
    organisation_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1,
        description="Only administrators register for another organisation.")


class ProblemOut(BaseModel):
    row: int | None
    field: str
    message: str


class PullSourceOut(BaseModel):
    """A registered endpoint and the result of its last pull."""

    id: int
    organisation_id: int
    url: str
    format: PullFormat
    interval_minutes: int
    active: bool
    last_run_at: datetime | None
    last_ok: bool | None
    last_message: str | None
    last_accepted: int | None
    last_problems: list[ProblemOut]


@dataclass(frozen=True)
class PullResult:
    """What one pull did: reports accepted, or the problems that stopped it."""

    source_id: int
    ok: bool
    accepted: int = 0
    problems: list[ValidationProblem] = field(default_factory=list)

    def as_record(self) -> str:
        """The JSON kept in ``PullSource.last_message`` (msgids and params, translatable)."""
        return json.dumps({
            "accepted": self.accepted,
            "problems": [
                {"row": p.row, "field": p.field, "message": p.message,
                 "params": {k: str(v) for k, v in p.params.items()}}
                for p in self.problems[:MAX_SHOWN_PROBLEMS]
            ],
            "more": max(0, len(self.problems) - MAX_SHOWN_PROBLEMS),
        })


class _PullActor(Actor):
    """The scheduler acting for one organisation: confined to it like that provider's users."""

    __slots__ = ()

    @property
    def scoped_organisation(self) -> int | None:
        return self.organisation_id


def pull_actor(source: PullSource) -> Actor:
    """The identity a pull of this source runs under (role provider, its organisation only)."""
    return _PullActor(role=Role.PROVIDER, organisation_id=source.organisation_id,
                      label=f"pull:{source.id}")


def check_url(url: str) -> str:
    """Only absolute http(s) URLs: file://, ftp:// and friends could read the server's files."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationProblem("url", "the address must start with http:// or https://")
    if parts.username or parts.password:
        raise ValidationProblem("url", "the address must not contain a user name or password")
    return url.strip()


def register_source(session: Session, actor: Actor, data: PullSourceIn, *,
                    outbound: Outbound) -> PullSource:
    """Register an endpoint for the actor's own organisation (admins may name another).

    ``outbound`` refuses an address on an internal network (checked again at every pull).
    """
    scoped = actor.scoped_organisation
    if scoped is not None and data.organisation_id not in (None, scoped):
        raise Forbidden("a provider registers pulls for its own organisation only")
    org_id = scoped if scoped is not None else data.organisation_id
    if org_id is None:
        raise ValidationProblem("organisation_id", "this field is required")
    if session.get(Organisation, org_id) is None:
        raise NotFound("organisation", org_id)
    url = check_url(data.url)
    outbound.check_url(url)
    source = PullSource(organisation_id=org_id, url=url, format=data.format,
                        interval_minutes=data.interval_minutes, active=data.active)
    session.add(source)
    session.flush()
    audit.append(session, actor, action="create", entity="pull_source", entity_id=source.id,
                 detail={"url": source.url, "format": source.format.value})
    return source


def list_sources(session: Session, actor: Actor) -> list[PullSource]:
    """The endpoints the actor may see: its own organisation's, or all for unscoped roles."""
    stmt = select(PullSource).order_by(PullSource.id)
    if actor.scoped_organisation is not None:
        stmt = stmt.where(PullSource.organisation_id == actor.scoped_organisation)
    return list(session.scalars(stmt))


def get_source(session: Session, actor: Actor, source_id: int) -> PullSource:
    """One endpoint; another organisation's is simply not found."""
    source = session.get(PullSource, source_id)
    scoped = actor.scoped_organisation
    if source is None or (scoped is not None and source.organisation_id != scoped):
        raise NotFound("pull_source", source_id)
    return source


def set_active(session: Session, actor: Actor, source_id: int, active: bool) -> PullSource:
    """Pause (False) or resume (True) the scheduled pulls of one of the actor's endpoints."""
    source = get_source(session, actor, source_id)
    if source.active != active:
        source.active = active
        audit.append(session, actor, action="update", entity="pull_source",
                     entity_id=source.id, detail={"active": active})
    return source


def fetch(url: str, outbound: Outbound) -> bytes:
    """GET the URL (10 s timeout, at most 5 MB); raises ValidationProblem on any failure.

    Every connection, redirects included, is checked against ``outbound`` when it is made.
    """
    check_url(url)
    try:
        with outbound.client(timeout=TIMEOUT_SECONDS, follow_redirects=True,
                             max_redirects=3) as client, client.stream(
                "GET", url, headers={"Accept": "text/csv, application/json"}) as answer:
            if answer.status_code != 200:
                raise ValidationProblem("url", "the address answered with HTTP status {status}",
                                        params={"status": answer.status_code})
            chunks: list[bytes] = []
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise ValidationProblem("file", "the file is larger than {mb} MB",
                                            params={"mb": MAX_BYTES // (1024 * 1024)})
                chunks.append(chunk)
            return b"".join(chunks)
    except RefusedAddress as refused:
        raise refused.problem() from None
    except httpx.TimeoutException as exc:
        raise ValidationProblem("url", "the address did not answer within {s} seconds",
                                params={"s": int(TIMEOUT_SECONDS)}) from exc
    except httpx.HTTPError as exc:
        # The exception's name (ConnectError) told a provider nothing; it goes to the log.
        log.info("pull of %s failed: %r", url, exc)
        raise ValidationProblem(
            "url", "the address cannot be reached: check the address and that the server is "
            "on the internet") from exc


def parse_payload(raw: bytes, fmt: PullFormat) -> list[tuple[int, ReportIn]]:
    """(row number, report) pairs: CSV as an upload, JSON as a list or {"reports": [...]}."""
    if fmt is PullFormat.CSV:
        return importer.parse(raw, "pull.csv")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationErrors([ValidationProblem(
            "file", "this is not valid JSON", row=1)]) from exc
    if isinstance(data, dict) and set(data) == {"reports"}:
        data = data["reports"]
    if not isinstance(data, list):
        raise ValidationErrors([ValidationProblem(
            "file", 'expected a list of reports, or an object with a "reports" list', row=1)])
    if not data:
        raise ValidationErrors([ValidationProblem("file", "the file has no data rows", row=1)])
    if len(data) > importer.MAX_ROWS:
        raise ValidationErrors([ValidationProblem("file", "more than {max} rows", row=1,
                                                  params={"max": importer.MAX_ROWS})])
    rows: list[tuple[int, ReportIn]] = []
    problems: list[ValidationProblem] = []
    # JSON rows count from 1: the position in the list.
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.append(ValidationProblem("row", "each report must be an object", row=number))
            continue
        try:
            rows.append((number, ReportIn.model_validate(item)))
        except ValidationError as exc:
            problems.extend(validation.problems(exc, row=number))
        if len(problems) > 200:
            break
    if problems:
        raise ValidationErrors(problems)
    return rows


def apply_payload(session: Session, source: PullSource, raw: bytes,
                  now: datetime) -> PullResult:
    """Parse and submit a fetched payload all or nothing, and record the result on the source."""
    try:
        rows = parse_payload(raw, source.format)
        # A savepoint, so that even a database error mid-write leaves nothing of this pull.
        with session.begin_nested():
            accepted = submit_reports(session, pull_actor(source), [r for _, r in rows],
                                      ReportSource.PULL, now=now,
                                      row_numbers=[n for n, _ in rows])
        result = PullResult(source.id, True, accepted=accepted)
    except ValidationErrors as exc:
        result = PullResult(source.id, False, problems=exc.problems)
    except ValidationProblem as exc:
        result = PullResult(source.id, False, problems=[exc])
    except Conflict as exc:  # a unit changed under a large import; the savepoint undid it
        result = PullResult(source.id, False, problems=[ValidationProblem("file", str(exc))])
    record(session, source, result, now)
    return result


def record(session: Session, source: PullSource, result: PullResult, now: datetime) -> None:
    """Keep the last pull's result where the provider sees it."""
    source.last_run_at = now
    source.last_ok = result.ok
    source.last_message = result.as_record()
    session.flush()


def _fetcher(outbound: Outbound) -> Fetcher:
    return lambda url: fetch(url, outbound)


def run_now(session: Session, actor: Actor, source_id: int, *, outbound: Outbound,
            fetcher: Fetcher | None = None, now: datetime | None = None) -> PullResult:
    """Pull one source at once, inside the caller's transaction (the "run now" button)."""
    source = get_source(session, actor, source_id)
    now = now or utcnow()
    fetcher = fetcher or _fetcher(outbound)
    try:
        raw = fetcher(source.url)
    except ValidationProblem as problem:
        result = PullResult(source.id, False, problems=[problem])
        record(session, source, result, now)
        return result
    return apply_payload(session, source, raw, now)


def _is_due(source: PullSource, now: datetime) -> bool:
    if source.last_run_at is None:
        return True
    return source.last_run_at + timedelta(minutes=source.interval_minutes) <= now


def _claim(db: Database, source_id: int, now: datetime) -> PullSource | None:
    """Mark a due source as started; None when another process claimed it first."""
    with db.session() as session:
        source = session.get(PullSource, source_id)
        if source is None or not source.active or not _is_due(source, now):
            return None
        # Compare-and-set on last_run_at: with several app processes only one runs each pull.
        claimed = session.connection().execute(
            update(PullSource)
            .where(PullSource.id == source_id,
                   PullSource.last_run_at.is_(None) if source.last_run_at is None
                   else PullSource.last_run_at == source.last_run_at)
            .values(last_run_at=now)
        ).rowcount
        if claimed != 1:
            return None
        session.expunge(source)
        return source


def run_due_pulls(db: Database, now: datetime | None = None, *, outbound: Outbound,
                  fetcher: Fetcher | None = None) -> list[PullResult]:
    """Pull every active source whose interval has passed; one transaction per source."""
    now = now or utcnow()
    fetcher = fetcher or _fetcher(outbound)
    with db.session() as session:
        ids = [s.id for s in session.scalars(
            select(PullSource).where(PullSource.active.is_(True)).order_by(PullSource.id))
            if _is_due(s, now)]
    results: list[PullResult] = []
    for source_id in ids:
        source = _claim(db, source_id, now)
        if source is None:
            continue
        try:
            raw: bytes | None = fetcher(source.url)
            failure = None
        except ValidationProblem as problem:
            raw, failure = None, problem
        with db.session() as session:
            bind_actor(session, pull_actor(source))
            attached = session.get(PullSource, source_id)
            if attached is None:  # deleted while we fetched
                continue
            if raw is None:
                assert failure is not None
                result = PullResult(source_id, False, problems=[failure])
                record(session, attached, result, now)
            else:
                result = apply_payload(session, attached, raw, now)
        log.info("pull %s: ok=%s accepted=%s", source_id, result.ok, result.accepted)
        results.append(result)
    return results


def summary(source: PullSource) -> dict[str, Any]:
    """The last result as accepted count and problems (msgids with params), for pages."""
    if not source.last_message:
        return {"accepted": None, "problems": [], "more": 0}
    try:
        data = json.loads(source.last_message)
    except ValueError:
        return {"accepted": None, "problems": [
            {"row": None, "field": "", "message": source.last_message, "params": {}}], "more": 0}
    return {"accepted": data.get("accepted"), "problems": data.get("problems", []),
            "more": data.get("more", 0)}


def to_out(source: PullSource) -> PullSourceOut:
    """The API shape, with the last result's problems in English."""
    info = summary(source)
    problems = [ProblemOut(row=p.get("row"), field=p.get("field", ""),
                           message=ValidationProblem(p.get("field", ""), p["message"],
                                                     params=p.get("params")).text)
                for p in info["problems"]]
    if source.last_run_at is None:
        text = None
    elif source.last_ok:
        text = f"{info['accepted']} reports accepted"
    else:
        text = "; ".join(
            (f"row {p.row}, " if p.row is not None else "") + f"{p.field}: {p.message}"
            for p in problems) or "failed"
    return PullSourceOut(
        id=source.id, organisation_id=source.organisation_id, url=source.url,
        format=source.format, interval_minutes=source.interval_minutes, active=source.active,
        last_run_at=source.last_run_at, last_ok=source.last_ok, last_message=text,
        last_accepted=info["accepted"] if source.last_ok else None, last_problems=problems)


async def run_forever(db: Database, outbound: Outbound, every_seconds: float = 60.0) -> None:
    """The app's background task: run due pulls every minute until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            # Pulls do blocking network and database I/O; keep them off the event loop.
            await asyncio.to_thread(run_due_pulls, db, outbound=outbound)
        except Exception:  # one bad pull round must not stop the scheduler
            log.exception("scheduled pull round failed")
