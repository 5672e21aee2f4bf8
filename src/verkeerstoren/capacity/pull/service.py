"""Pull sources and the one pull routine.

The network fetch happens before this (:mod:`.fetch`; the scheduler does it outside any
database transaction: on SQLite a write transaction locks the whole database, and a slow
provider endpoint must not stall every other report). :func:`apply` then takes what was
fetched through :func:`verkeerstoren.capacity.service.submit_reports` like every other
channel, all or nothing, under an actor confined to the source's organisation, and records
the result on the source. "Run now" and the scheduler both end here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import confine, scoped_get, target_organisation
from verkeerstoren.audit import service as audit
from verkeerstoren.capacity.models import PullProblem, PullSource, ReportSource
from verkeerstoren.capacity.pull import formats
from verkeerstoren.capacity.pull.fetch import Fetcher, check_url, download, http_fetcher
from verkeerstoren.capacity.pull.schemas import PullSourceIn
from verkeerstoren.capacity.service import submit_reports
from verkeerstoren.errors import (
    Conflict,
    NotFound,
    ValidationErrors,
    ValidationProblem,
)
from verkeerstoren.outbound import Outbound
from verkeerstoren.registry.models import Organisation
from verkeerstoren.storage.base import utcnow

MAX_SHOWN_PROBLEMS = 10


@dataclass(frozen=True)
class PullResult:
    """What one pull did: reports accepted, or the problems that stopped it."""

    source_id: int
    ok: bool
    accepted: int = 0
    problems: list[ValidationProblem] = field(default_factory=list)


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


def register_source(session: Session, actor: Actor, data: PullSourceIn, *,
                    outbound: Outbound) -> PullSource:
    """Register an endpoint for the actor's own organisation (admins may name another).

    ``outbound`` refuses an address on an internal network (checked again at every pull).
    """
    org_id = target_organisation(actor, data.organisation_id)
    if org_id is None:
        raise ValidationProblem("organisation_id", "this field is required")
    if session.get(Organisation, org_id) is None:
        raise NotFound("organisation", org_id)
    url = check_url(data.url)
    outbound.check_url(url)
    source = PullSource(organisation_id=org_id, url=url, format=data.format,
                        interval_minutes=data.interval_minutes, active=data.active,
                        authorization=data.authorization)
    session.add(source)
    session.flush()
    audit.append(session, actor, action="create", entity="pull_source", entity_id=source.id,
                 detail={"url": source.url, "format": source.format.value})
    return source


def list_sources(session: Session, actor: Actor) -> list[PullSource]:
    """The endpoints the actor may see: its own organisation's, or all for unscoped roles."""
    stmt = (select(PullSource).options(selectinload(PullSource.last_problems))
            .order_by(PullSource.id))
    return list(session.scalars(confine(stmt, PullSource.organisation_id, actor)))


def get_source(session: Session, actor: Actor, source_id: int) -> PullSource:
    """One endpoint; another organisation's is simply not found."""
    source = scoped_get(session, PullSource, source_id, actor=actor)
    if source is None:
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


def apply(session: Session, source: PullSource, fetched: bytes | ValidationProblem,
          now: datetime) -> PullResult:
    """The pull routine: submit what was fetched all or nothing (or keep why the fetch
    failed), and record the result on the source."""
    try:
        if isinstance(fetched, ValidationProblem):
            raise fetched
        own = formats.submitter(source.format)
        rows = formats.read(session, source, fetched) if own is None else []
        # A savepoint, so that even a database error mid-write leaves nothing of this pull.
        with session.begin_nested():
            if own is not None:
                accepted = own(session, pull_actor(source), fetched, now)
            else:
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
    """Keep the last pull's result where the provider sees it (msgids and values, so the page
    can say it in Dutch and the API in English)."""
    source.last_run_at = now
    source.last_ok = result.ok
    source.last_accepted = result.accepted if result.ok else None
    source.last_more_problems = max(0, len(result.problems) - MAX_SHOWN_PROBLEMS)
    # The old rows go first: the new ones reuse their (source, position) keys.
    source.last_problems.clear()
    session.flush()
    source.last_problems.extend(
        PullProblem(position=position, row=p.row, field=p.field, message=p.message,
                    params={k: str(v) for k, v in p.params.items()})
        for position, p in enumerate(result.problems[:MAX_SHOWN_PROBLEMS]))
    session.flush()


def run_now(session: Session, actor: Actor, source_id: int, *, outbound: Outbound,
            fetcher: Fetcher | None = None, now: datetime | None = None) -> PullResult:
    """Pull one source at once, inside the caller's transaction (the "run now" button)."""
    source = get_source(session, actor, source_id)
    fetched = download(fetcher or http_fetcher(outbound, source.authorization), source.url)
    return apply(session, source, fetched, now or utcnow())
