"""The Treeknormen and the within/over-norm status of a wait (pure, no database writes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.waiting_times.models import Sector, Treeknorm, WaitKind


class Status(StrEnum):
    WITHIN = "within"
    OVER = "over"
    CLOSED = "closed"  # intake stopped ('Stop'): the provider takes no new patients
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Norm:
    """A maximum acceptable wait."""

    sector: str
    wait_kind: str
    care_type: str
    max_weeks: float
    description: str
    source: str


def load(session: Session) -> list[Norm]:
    """The Treeknormen reference table."""
    return [Norm(n.sector.value, n.wait_kind.value, n.care_type, n.max_weeks, n.description,
                 n.source)
            for n in session.scalars(select(Treeknorm).order_by(Treeknorm.id))]


def norm_for(norms: Sequence[Norm], sector: str, kind: WaitKind, care_type: str) -> Norm | None:
    """The norm for a care type, else the sector's general norm for that kind of wait."""
    wanted = care_type.strip().lower()
    general = None
    for norm in norms:
        if norm.sector != sector or norm.wait_kind != kind.value:
            continue
        if norm.care_type.lower() == wanted and wanted:
            return norm
        if not norm.care_type:
            general = norm
    return general


# The NZa's reading of the GGZ Treeknorm (Transparantieregeling ggz; Treekoverleg): a wait is
# within the norm only when both waits are known, the aanmeldingswachttijd is at most 4 weeks,
# the behandelingswachttijd at most 10 weeks and their total at most 14 weeks. The 14 weeks are
# stated beside the two norms in the treeknorm table's GGZ source text.
TOTAL_WEEKS: dict[str, float] = {"ggz": 14.0}
BOTH_WAITS_REQUIRED = frozenset(TOTAL_WEEKS)


def status(norms: Sequence[Norm], sector: str, care_type: str, intake: float | None,
           treatment: float | None, note: str = "") -> Status:
    """Over when any given wait exceeds its norm, within when every given wait meets it; in the
    GGZ both waits must be known and their total must meet the total norm too (NZa)."""
    if note.strip().lower() == "stop":
        return Status.CLOSED
    if sector in BOTH_WAITS_REQUIRED and (intake is None or treatment is None):
        return Status.UNKNOWN
    verdicts = []
    for kind, weeks in ((WaitKind.INTAKE, intake), (WaitKind.TREATMENT, treatment)):
        norm = norm_for(norms, sector, kind, care_type)
        if weeks is not None and norm is not None:
            verdicts.append(weeks <= norm.max_weeks)
    if not verdicts:
        return Status.UNKNOWN
    total = TOTAL_WEEKS.get(sector)
    if total is not None and intake is not None and treatment is not None:
        verdicts.append(intake + treatment <= total)
    return Status.WITHIN if all(verdicts) else Status.OVER


SECTORS = tuple(s.value for s in Sector)
