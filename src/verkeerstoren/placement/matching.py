"""Matching a placement request to beds: hard constraints filter, soft preferences rank.

Pure domain logic (no I/O): the service gathers candidates from the database and passes them
in; the same input always gives the same order, and every option and exclusion says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from verkeerstoren.registry.geo import distance_km

# Which financing pays for which bed type (Zvw: Zorgverzekeringswet, Wlz: Wet langdurige zorg,
# Wmo: Wet maatschappelijke ondersteuning). Self-pay is possible wherever a provider admits it;
# the table follows the usual Dutch arrangements for these bed types.
FINANCING: dict[str, frozenset[str]] = {
    "short_stay_low": frozenset({"zvw", "self_pay"}),
    "short_stay_high": frozenset({"zvw", "self_pay"}),
    "short_stay_palliative": frozenset({"zvw", "self_pay"}),
    "geriatric_rehab": frozenset({"zvw"}),
    "ltc_crisis": frozenset({"wlz"}),
    "ltc_respite": frozenset({"wlz", "wmo", "self_pay"}),
    "multifunctional": frozenset({"zvw", "wlz", "wmo", "self_pay"}),
    "observation": frozenset({"zvw", "wmo"}),
    "hospice": frozenset({"zvw", "self_pay"}),
    "mental_health_crisis": frozenset({"zvw"}),
    "mental_health_short_stay": frozenset({"zvw", "wlz"}),
}

# Weights of the soft preferences, in score points (higher is better).
PER_KM = 1.0
PER_HOUR_OLD = 0.5
PREFERRED_AREA = 15.0
PER_ACCEPT_RATE = 10.0


@dataclass(frozen=True)
class Need:
    """What the patient needs (hard) and prefers (soft)."""

    bed_types: tuple[str, ...]
    features: frozenset[str]
    wanted_start: date
    financing: str
    today: date
    latitude: float | None = None
    longitude: float | None = None
    preferred_gemeenten: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """One unit's beds of one type as they are now."""

    unit_id: int
    unit: str
    organisation: str
    bed_type_code: str
    available: int
    stale: bool
    age_hours: float | None
    features: frozenset[str]
    gemeente_code: str
    expected_free_date: date | None = None
    latitude: float | None = None
    longitude: float | None = None
    accept_rate: float | None = None


@dataclass(frozen=True)
class Reason:
    """An explanation as a catalogue msgid with values (shown in Dutch on pages)."""

    message: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.message.format(**self.params) if self.params else self.message


@dataclass(frozen=True)
class Option:
    candidate: Candidate
    score: float
    distance_km: float | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Exclusion:
    candidate: Candidate
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Match:
    options: tuple[Option, ...]
    excluded: tuple[Exclusion, ...]


def violations(need: Need, c: Candidate) -> list[Reason]:
    """Every hard constraint this candidate breaks (empty: it may be offered)."""
    found: list[Reason] = []
    if c.bed_type_code not in need.bed_types:
        found.append(Reason("not a requested bed type"))
    missing = sorted(need.features - c.features)
    if missing:
        found.append(Reason("lacks: {features}", {"features": ", ".join(missing)}))
    if need.financing not in FINANCING.get(c.bed_type_code, frozenset()):
        found.append(Reason("{financing} does not pay for this bed type",
                            {"financing": need.financing.upper()}))
    if c.stale:
        found.append(Reason("report is out of date"))
    if c.available <= 0:
        free_in_time = (
            c.expected_free_date is not None and need.wanted_start >= c.expected_free_date
        )
        if not free_in_time:
            found.append(Reason("no free bed"))
    return found


def _score(need: Need, c: Candidate) -> tuple[float, float | None, tuple[Reason, ...]]:
    reasons: list[Reason] = []
    score = 100.0
    km: float | None = None
    if None not in (need.latitude, need.longitude, c.latitude, c.longitude):
        km = distance_km(need.latitude, need.longitude, c.latitude, c.longitude)  # type: ignore[arg-type]
        score -= PER_KM * km
        reasons.append(Reason("{km} km from the patient's area", {"km": f"{km:.1f}"}))
    else:
        reasons.append(Reason("distance unknown"))
    if c.age_hours is not None:
        score -= PER_HOUR_OLD * c.age_hours
        reasons.append(Reason("reported {hours} h ago", {"hours": f"{c.age_hours:.0f}"}))
    if c.gemeente_code in need.preferred_gemeenten:
        score += PREFERRED_AREA
        reasons.append(Reason("in a preferred municipality"))
    if c.accept_rate is not None:
        score += PER_ACCEPT_RATE * c.accept_rate
        reasons.append(Reason("accepted {pct}% of reservations",
                              {"pct": f"{100 * c.accept_rate:.0f}"}))
    if c.available <= 0 and c.expected_free_date is not None:
        reasons.append(Reason("free from {date}", {"date": c.expected_free_date.isoformat()}))
    else:
        reasons.append(Reason("{n} bed(s) free now", {"n": c.available}))
    return score, km, tuple(reasons)


def match(need: Need, candidates: list[Candidate]) -> Match:
    """Options best first (ties broken by unit id and bed type) and exclusions with reasons."""
    options: list[Option] = []
    excluded: list[Exclusion] = []
    for c in candidates:
        broken = violations(need, c)
        if broken:
            excluded.append(Exclusion(c, tuple(broken)))
            continue
        score, km, reasons = _score(need, c)
        options.append(Option(c, round(score, 6), km, reasons))
    options.sort(key=lambda o: (-o.score, o.candidate.unit_id, o.candidate.bed_type_code))
    excluded.sort(key=lambda e: (e.candidate.unit_id, e.candidate.bed_type_code))
    return Match(tuple(options), tuple(excluded))
