"""Reporting waits (form, API, CSV) and listing current waits from providers and the NZa."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verkeerstoren import region_time, validation
from verkeerstoren.access.actor import Actor
from verkeerstoren.access.scoping import confine
from verkeerstoren.errors import Forbidden, ValidationErrors, ValidationProblem
from verkeerstoren.opendata.models import DataSet, ExternalWait
from verkeerstoren.registry.models import Location, Organisation
from verkeerstoren.tables import reading
from verkeerstoren.waiting_times import norms
from verkeerstoren.waiting_times.models import ReportSource, WaitReport
from verkeerstoren.waiting_times.schemas import WaitIn

MAX_CSV_ROWS = 5000
MAX_CSV_BYTES = 2_000_000


@dataclass(frozen=True)
class Wait:
    """A current wait from any source, with its status against the Treeknorm."""

    provider: str
    location: str
    place: str
    gemeente_code: str | None
    sector: str
    care_type: str
    intake_weeks: float | None
    treatment_weeks: float | None
    intake_note: str
    treatment_note: str
    measured_on: date
    source: str
    status: norms.Status
    latitude: float | None = None
    longitude: float | None = None
    organisation_id: int | None = None

    @property
    def total_weeks(self) -> float | None:
        if self.intake_weeks is None and self.treatment_weeks is None:
            return None
        return (self.intake_weeks or 0.0) + (self.treatment_weeks or 0.0)


def report(session: Session, actor: Actor, data: WaitIn,
           source: ReportSource = ReportSource.FORM) -> WaitReport:
    """Record a provider's waits; a scoped actor reports for its own organisation only."""
    org_id = data.organisation_id
    own = actor.scoped_organisation
    if own is not None:
        if org_id is not None and org_id != own:
            raise Forbidden("you may report waits of your own organisation only")
        org_id = own
    if org_id is None:
        org_id = actor.organisation_id
    if org_id is None or session.get(Organisation, org_id) is None:
        raise ValidationProblem("organisation_id", "unknown organisation")
    if data.location_id is not None:
        location = session.get(Location, data.location_id)
        if location is None or location.organisation_id != org_id:
            raise ValidationProblem("location_id", "not a location of this organisation")
    # The region's date: just after Dutch midnight the UTC date is still yesterday, and a
    # wait measured "today" was refused as lying in the future.
    measured = data.measured_on or region_time.today()
    if measured > region_time.today():
        raise ValidationProblem("measured_on", "a wait cannot be measured in the future")
    entry = WaitReport(organisation_id=org_id, location_id=data.location_id, sector=data.sector,
                       care_type=data.care_type.strip(), intake_weeks=data.intake_weeks,
                       treatment_weeks=data.treatment_weeks, measured_on=measured,
                       source=source, reported_by=actor.label[:200])
    session.add(entry)
    session.flush()
    return entry


CSV_COLUMNS = ("location_id", "sector", "care_type", "intake_weeks", "treatment_weeks",
               "measured_on")


def import_csv(session: Session, actor: Actor, raw: bytes) -> int:
    """Report many waits from a CSV (',' or ';'); every bad row is named, nothing is stored
    unless all rows are good."""
    lines = reading.read_rows(raw, max_bytes=MAX_CSV_BYTES)
    header = [reading.column_name(c) for c in lines[0]] if lines else []
    missing = [c for c in ("sector", "care_type") if c not in header]
    if missing:
        raise ValidationProblem("file", "missing column(s) {columns}; expected {expected}",
                                params={"columns": ", ".join(missing),
                                        "expected": ", ".join(CSV_COLUMNS)})
    problems: list[ValidationProblem] = []
    items: list[WaitIn] = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        if number - 1 > MAX_CSV_ROWS:
            raise ValidationProblem("file", "more than {max} rows", params={"max": MAX_CSV_ROWS})
        values = {k: (v.strip().replace(",", ".") if k.endswith("_weeks") else v.strip())
                  for k, v in row.items() if k in CSV_COLUMNS and v and v.strip()}
        try:
            items.append(WaitIn.model_validate(values))
        except ValidationError as exc:
            problems.extend(validation.problems(exc, row=number))
    if problems:
        raise ValidationErrors(problems)
    with session.begin_nested():
        for number, item in enumerate(items, start=2):
            try:
                report(session, actor, item, ReportSource.CSV)
            except ValidationProblem as problem:
                problems.append(problem.at_row(number))
        if problems:
            raise ValidationErrors(problems)
    return len(items)


def own_reports(session: Session, actor: Actor, limit: int = 200) -> list[WaitReport]:
    """The actor's organisation's reported waits, newest first (all for unscoped roles)."""
    query = confine(
        select(WaitReport).order_by(WaitReport.measured_on.desc(), WaitReport.id.desc()),
        WaitReport.organisation_id, actor)
    return list(session.scalars(query.limit(limit)))


def reported_waits(session: Session, rules: list[norms.Norm]) -> list[Wait]:
    """The newest report per organisation, location, sector and care type."""
    newest = (select(WaitReport.organisation_id, WaitReport.location_id, WaitReport.sector,
                     WaitReport.care_type, func.max(WaitReport.id).label("id"))
              .group_by(WaitReport.organisation_id, WaitReport.location_id, WaitReport.sector,
                        WaitReport.care_type).subquery())
    rows = session.scalars(select(WaitReport).join(newest, newest.c.id == WaitReport.id))
    result = []
    for r in rows:
        loc = r.location
        result.append(Wait(
            r.organisation.name, loc.name if loc else "", (loc.city or "") if loc else "",
            loc.gemeente_code if loc else None, r.sector.value, r.care_type, r.intake_weeks,
            r.treatment_weeks, "", "", r.measured_on, "reported",
            norms.status(rules, r.sector.value, r.care_type, r.intake_weeks, r.treatment_weeks),
            loc.latitude if loc else None, loc.longitude if loc else None, r.organisation_id))
    return result


def published_waits(session: Session, rules: list[norms.Norm],
                    gemeenten: list[str] | None = None, *, year: int | None = None
                    ) -> list[Wait]:
    """NZa waits of the newest loaded collection, or of ``year``'s (optionally only in these
    gemeenten)."""
    collection = select(DataSet).where(DataSet.key == "nza_ggz")
    if year is not None:
        collection = collection.where(DataSet.year == year)
    dataset = session.scalar(collection.order_by(DataSet.year.desc()).limit(1))
    if dataset is None:
        return []
    query = select(ExternalWait).where(ExternalWait.dataset_id == dataset.id)
    if gemeenten is not None:
        query = query.where(ExternalWait.gemeente_code.in_(gemeenten))
    label = f"NZa {dataset.year}"
    return [Wait(w.provider_name, w.location_name, w.place, w.gemeente_code, w.sector,
                 " / ".join(p for p in (w.circuit, w.care_type) if p), w.intake_weeks,
                 w.treatment_weeks, w.intake_text, w.treatment_text, w.observed_on, label,
                 norms.status(rules, w.sector, w.care_type, w.intake_weeks, w.treatment_weeks,
                              w.intake_text))
            for w in session.scalars(query.order_by(ExternalWait.provider_name,
                                                    ExternalWait.id))]


def current_waits(session: Session, *, sector: str | None = None, care_type: str | None = None,
                  gemeenten: list[str] | None = None) -> list[Wait]:
    """Reported and published waits, filtered by sector and a care-type search text."""
    rules = norms.load(session)
    waits = reported_waits(session, rules) + published_waits(session, rules, gemeenten)
    if gemeenten is not None:
        waits = [w for w in waits if w.gemeente_code in gemeenten]
    if sector:
        waits = [w for w in waits if w.sector == sector]
    if care_type:
        needle = care_type.strip().lower()
        waits = [w for w in waits if needle in w.care_type.lower()]
    return waits
