"""Inputs for bed planning when the tower's own history is too thin to estimate from.

A region that has just started, or a bed type the tower rarely sees, has only a handful of
placement requests: 1–3 in 90 days give arrivals of 0.01–0.03 a day, and Little's law on them a
stay of months. Such figures are not an estimate (the demo simulates 90 days for its
multifunctional and ELV beds, ``planning.demo``; its other bed types are this thin).
Below ``MIN_ARRIVALS`` requests in the window, or when the tower has seen requests for
the bed type in the area for fewer than ``MIN_DAYS`` days, the plan uses instead:

- the arrivals and stay the user entered, where entered;
- otherwise a **default**: the beds of that type in the area's registry (``physical_beds``) at
  ``DEFAULT_OCCUPANCY`` with the default mean stay of the bed type below, so arrivals =
  beds × occupancy ÷ stay (Little's law read backwards: what those beds take in when they are
  as full as planned).

The default stays are assumptions of the order Dutch short-stay care reports, set for the demo
and labelled so on every page; they are no region's published figures. The Zoetermeer seed
(../shared/seeds) names the multifunctional beds and the "100 % opnamegarantie" aim but no
numbers of beds, admissions or stay, so nothing here comes from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.planning import observed
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.registry.models import CareUnit, Location, UnitBedType

MIN_ARRIVALS = 30
MIN_DAYS = 28
DEFAULT_OCCUPANCY = 0.85
# Mean length of stay in days per bed type: an assumption for the demo (see above).
DEFAULT_STAY_DAYS: dict[str, float] = {
    "short_stay_low": 21.0, "short_stay_high": 28.0, "short_stay_palliative": 14.0,
    "multifunctional": 14.0, "geriatric_rehab": 42.0, "ltc_crisis": 14.0, "ltc_respite": 10.0,
    "observation": 5.0, "hospice": 21.0,
}
FALLBACK_STAY_DAYS = 21.0
DEFAULT_NOTE = ("Default (assumption for the demo): the area's {beds} registered beds at "
                "{occupancy} % occupancy with a mean stay of {stay} days.")


@dataclass(frozen=True)
class Inputs:
    """Arrivals and stay to plan with, where each came from, and why."""

    arrivals_per_day: float | None
    mean_stay_days: float | None
    arrivals_source: str  # entered | observed | default
    stay_source: str
    thin: bool  # the observed history is below the minimum
    history_days: int  # days since the first request the tower saw (0: none)
    registered_beds: int
    note: str | None  # English msgid of what was used instead, with ``values``
    values: dict[str, object]


def history_days(session: Session, bed_type: str, gemeenten: list[str] | None,
                 end: date) -> int:
    """Days from the first request for the bed type in the area to ``end`` (0 when none)."""
    query = select(PlacementRequest.created_at, PlacementRequest.bed_types)
    if gemeenten is not None:
        query = query.where(PlacementRequest.gemeente_code.in_(gemeenten))
    # bed_types is a JSON list (see observed._arrivals): filtered here, not in SQL.
    first = min((created.astimezone(REGION_TZ).date() for created, types in session.execute(query)
                 if bed_type in types), default=None)
    return (end - first).days + 1 if first else 0


def registered_beds(session: Session, bed_type: str, gemeenten: list[str] | None) -> int:
    query = (select(func.coalesce(func.sum(UnitBedType.physical_beds), 0))
             .join(CareUnit, CareUnit.id == UnitBedType.unit_id)
             .join(Location, Location.id == CareUnit.location_id)
             .where(UnitBedType.bed_type_code == bed_type, CareUnit.active.is_(True)))
    if gemeenten is not None:
        query = query.where(Location.gemeente_code.in_(gemeenten))
    return int(session.scalar(query) or 0)


def choose(session: Session, bed_type: str, area: observed.Area, seen: observed.Observed,
           entered_arrivals: float | None, entered_stay: float | None) -> Inputs:
    """Entered inputs first; observed ones when the history is long enough; else defaults."""
    gemeenten = observed.gemeenten_of(session, area)
    days = history_days(session, bed_type, gemeenten, seen.end)
    thin = seen.requests < MIN_ARRIVALS or days < MIN_DAYS
    beds = registered_beds(session, bed_type, gemeenten)
    stay_default = DEFAULT_STAY_DAYS.get(bed_type, FALLBACK_STAY_DAYS)
    if not thin:
        return Inputs(entered_arrivals or seen.arrivals_per_day,
                      entered_stay or seen.mean_stay_days,
                      "entered" if entered_arrivals else "observed",
                      "entered" if entered_stay else "observed", False, days, beds, None, {})
    stay = entered_stay or stay_default
    arrivals = entered_arrivals or (beds * DEFAULT_OCCUPANCY / stay if beds else None)
    note: str | None = None
    values: dict[str, object] = {}
    if not entered_arrivals or not entered_stay:
        note, values = DEFAULT_NOTE, {"beds": beds, "occupancy": round(DEFAULT_OCCUPANCY * 100),
                                      "stay": round(stay_default)}
    return Inputs(arrivals, stay, "entered" if entered_arrivals else "default",
                  "entered" if entered_stay else "default", True, days, beds, note, values)


THIN_NOTE = ("Too little history to estimate from: {requests} requests in the last {window} "
             "days, and requests seen for {days} days (at least {min_requests} requests and "
             "{min_days} days are needed). The observed figures are shown but not used.")


Source = Literal["observed", "entered", "default"]


def source(text: str) -> Source:
    if text == "entered":
        return "entered"
    return "default" if text == "default" else "observed"


def note_text(inputs: Inputs, seen: observed.Observed, window: int) -> str | None:
    """The English note the API gives (pages translate the msgids themselves)."""
    if not inputs.thin:
        return None
    text = THIN_NOTE.format(requests=round(seen.requests, 1), window=window,
                            days=inputs.history_days, min_requests=MIN_ARRIVALS,
                            min_days=MIN_DAYS)
    if inputs.note:
        text += " " + inputs.note.format(**inputs.values)
    return text
