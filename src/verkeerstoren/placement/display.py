"""What the placement pages show instead of codes: names, Dutch numbers and readable history.

Kept apart from the services so the API keeps its stable codes and English msgids; only pages
turn them into names. Names are read once per page (two small reference tables), never per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.scoping import across_organisations
from verkeerstoren.placement.matching import Reason
from verkeerstoren.placement.models import RequestStatus, StatusChange, UnplacedReason
from verkeerstoren.registry.models import (
    BedType,
    CareUnit,
    Feature,
    Gemeente,
    Location,
    Organisation,
)
from verkeerstoren.web.i18n import Translate

# Notes the services write themselves (English msgids); a person's own note is shown as typed.
SYSTEM_NOTES = frozenset({"hold expired", "closed as unplaced"})
_REQUEST_STATUSES = frozenset(s.value for s in RequestStatus)
_UNPLACED_REASONS = frozenset(r.value for r in UnplacedReason)


def number(value: float | None, decimals: int = 1) -> str:
    """A number with the Dutch decimal comma (11,1); an em dash when there is none."""
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@dataclass(frozen=True)
class Names:
    """Dutch names of bed types and features, by code; an unknown code shows as itself."""

    bed_types: dict[str, str]
    features: dict[str, str]

    def bed_type(self, code: str) -> str:
        return self.bed_types.get(code, code)

    def feature(self, code: str) -> str:
        return self.features.get(code, code)

    def bed_type_list(self, codes: list[str]) -> str:
        return ", ".join(self.bed_type(c) for c in codes)


def age(birth_year: int, today: date) -> int:
    """Age in years from the birth year alone (the request holds no birth date): this year's."""
    return today.year - birth_year


def places(session: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    """Where each unit is, "location, gemeente", so units of the same name and organisation at
    different sites can be told apart; one query for all the units a page shows."""
    wanted = sorted(set(unit_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(CareUnit.id, Location.name, Gemeente.name)
        .join(Location, CareUnit.location_id == Location.id)
        .join(Gemeente, Location.gemeente_code == Gemeente.code)
        .where(CareUnit.id.in_(wanted)))
    return {unit_id: f"{location}, {gemeente}" for unit_id, location, gemeente in rows}


@dataclass(frozen=True)
class Referrer:
    name: str
    phone: str | None


def referrers(session: Session, ids: Iterable[int]) -> dict[int, Referrer]:
    """Name and phone of the organisations that referred the patients a provider is asked to
    take. A provider's edit session sees only its own organisation; this deliberately reads
    just these two public columns of the referrers of its own reservations, so the provider
    knows who sends the patient and how to call back."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    with across_organisations(session):
        rows = session.execute(select(Organisation.id, Organisation.name, Organisation.phone)
                               .where(Organisation.id.in_(wanted))).all()
    return {org_id: Referrer(name, phone) for org_id, name, phone in rows}


def names(session: Session) -> Names:
    return Names(
        bed_types={code: name for code, name in session.execute(
            select(BedType.code, BedType.name))},
        features={code: name for code, name in session.execute(
            select(Feature.code, Feature.name))},
    )


class Texts:
    """Page-side texts that need both the catalogue and the names (passed to templates)."""

    def __init__(self, translate: Translate, found: Names) -> None:
        self._ = translate
        self.names = found

    def sex(self, code: str | None) -> str:
        # None: the retention purge removed it (a purged request in a list).
        return self._("sex." + code) if code else "–"

    def reason(self, reason: Reason) -> str:
        """A matching reason in Dutch, with names for feature codes and Dutch numbers/dates."""
        params: dict[str, Any] = dict(reason.params)
        if "features" in params:
            params["features"] = ", ".join(
                self.names.feature(c) for c in str(params["features"]).split(", "))
        if "financing" in params:
            params["financing"] = self._("financing." + str(params["financing"]).lower())
        if "km" in params:
            params["km"] = str(params["km"]).replace(".", ",")
        if "date" in params:
            params["date"] = date.fromisoformat(str(params["date"])).strftime("%d-%m-%Y")
        return self._(reason.message, **params)

    def status_change(self, change: StatusChange) -> str:
        """A history line's status: request statuses and reservation events in Dutch."""
        to = change.to_status
        if to in _REQUEST_STATUSES:
            return self._("status." + to)
        if to.startswith("reservation "):
            return self._("history." + to.replace(" ", "_"))
        return to

    def reservation_reason(self, reason: str) -> str:
        """Why a hold ended: the service's own notes in Dutch, a provider's words as typed."""
        return self._(reason) if reason in SYSTEM_NOTES else reason

    def note(self, change: StatusChange) -> str | None:
        """The note of a history line; an unplaced reason code becomes its Dutch name."""
        note = change.note
        if not note:
            return note
        if note in SYSTEM_NOTES:
            return self.reservation_reason(note)
        if change.to_status == RequestStatus.UNPLACED.value:
            code, _sep, rest = note.partition(": ")
            if code in _UNPLACED_REASONS:
                reason = self._("unplaced." + code)
                return f"{reason}: {rest}" if rest else reason
        return note
