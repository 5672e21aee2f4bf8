"""Matching a placement request to beds: hard constraints filter, soft preferences rank.

Pure domain logic (no I/O): the service gathers candidates from the database and passes them
in; the same input always gives the same order, and every option and exclusion says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

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


class Rule(StrEnum):
    """The hard constraints; an exclusion names every rule the unit breaks."""

    BED_TYPE = "bed_type"
    FEATURES = "features"
    FINANCING = "financing"
    STALE = "stale"
    NO_FREE_BED = "no_free_bed"


# How each rule is summarised when exclusions are counted (msgids; Dutch in placement.po).
RULE_SUMMARY: dict[Rule, str] = {
    Rule.BED_TYPE: "not a requested bed type",
    Rule.FEATURES: "lacks a required feature",
    Rule.FINANCING: "financing does not pay for this bed type",
    Rule.STALE: "report is out of date",
    Rule.NO_FREE_BED: "no free bed",
}


@dataclass(frozen=True)
class Reason:
    """An explanation as a catalogue msgid with values (shown in Dutch on pages).

    `rule` is set on the reasons of an exclusion: the hard constraint that was broken.
    """

    message: str
    params: dict[str, object] = field(default_factory=dict)
    rule: Rule | None = None

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
    distance_km: float | None = None


@dataclass(frozen=True)
class Match:
    options: tuple[Option, ...]
    excluded: tuple[Exclusion, ...]


def violations(need: Need, c: Candidate) -> list[Reason]:
    """Every hard constraint this candidate breaks (empty: it may be offered)."""
    found: list[Reason] = []
    if c.bed_type_code not in need.bed_types:
        found.append(Reason("not a requested bed type", rule=Rule.BED_TYPE))
    missing = sorted(need.features - c.features)
    if missing:
        found.append(Reason("lacks: {features}", {"features": ", ".join(missing)},
                            rule=Rule.FEATURES))
    if need.financing not in FINANCING.get(c.bed_type_code, frozenset()):
        found.append(Reason("{financing} does not pay for this bed type",
                            {"financing": need.financing.upper()}, rule=Rule.FINANCING))
    if c.stale:
        found.append(Reason("report is out of date", rule=Rule.STALE))
    if c.available <= 0:
        free_in_time = (
            c.expected_free_date is not None and need.wanted_start >= c.expected_free_date
        )
        if not free_in_time:
            found.append(Reason("no free bed", rule=Rule.NO_FREE_BED))
    return found


def paying_bed_types(need: Need) -> tuple[str, ...]:
    """The requested bed types the request's financing pays for (the financing rule)."""
    return tuple(code for code in need.bed_types
                 if need.financing in FINANCING.get(code, frozenset()))


def distance(need: Need, c: Candidate) -> float | None:
    """Kilometres from the patient's area to the unit, if both positions are known."""
    if need.latitude is None or need.longitude is None or c.latitude is None \
            or c.longitude is None:
        return None
    return distance_km(need.latitude, need.longitude, c.latitude, c.longitude)


def exclude(need: Need, c: Candidate) -> Exclusion | None:
    """The exclusion of a candidate that breaks a hard constraint, None for an option."""
    broken = violations(need, c)
    return Exclusion(c, tuple(broken), distance(need, c)) if broken else None


def score(need: Need, c: Candidate) -> tuple[float, float | None]:
    """The ranking score (higher is better, rounded to 6 decimals) and the distance in km.

    The one definition of the soft preferences; the database's pre-ranking
    (placement/constraints.py) only chooses which candidates reach this function.
    """
    value = 100.0
    km = distance(need, c)
    if km is not None:
        value -= PER_KM * km
    if c.age_hours is not None:
        value -= PER_HOUR_OLD * c.age_hours
    if c.gemeente_code in need.preferred_gemeenten:
        value += PREFERRED_AREA
    if c.accept_rate is not None:
        value += PER_ACCEPT_RATE * c.accept_rate
    return round(value, 6), km


def explain(need: Need, c: Candidate) -> Option:
    """An option with its score and every reason for its place (call only for options)."""
    value, km = score(need, c)
    reasons: list[Reason] = []
    if km is not None:
        reasons.append(Reason("{km} km from the patient's area", {"km": f"{km:.1f}"}))
    else:
        reasons.append(Reason("distance unknown"))
    if c.age_hours is not None and c.age_hours < 0.5:
        reasons.append(Reason("reported just now"))
    elif c.age_hours is not None:
        reasons.append(Reason("reported {hours} h ago", {"hours": f"{c.age_hours:.0f}"}))
    if c.gemeente_code in need.preferred_gemeenten:
        reasons.append(Reason("in a preferred municipality"))
    if c.accept_rate is not None:
        reasons.append(Reason("accepted {pct}% of reservations",
                              {"pct": f"{100 * c.accept_rate:.0f}"}))
    if c.available <= 0 and c.expected_free_date is not None:
        reasons.append(Reason("free from {date}",
                              {"date": c.expected_free_date.strftime("%d-%m-%Y")}))
    elif c.available == 1:
        reasons.append(Reason("1 bed free now"))
    else:
        reasons.append(Reason("{n} beds free now", {"n": c.available}))
    return Option(c, value, km, tuple(reasons))


def rank_key(option: Option) -> tuple[float, int, str]:
    """Best first; ties broken by unit id and bed type, so the order never depends on input."""
    return -option.score, option.candidate.unit_id, option.candidate.bed_type_code


def rank(need: Need, candidates: Iterable[Candidate]) -> list[Option]:
    """Explain and order candidates that break no hard constraint."""
    return sorted((explain(need, c) for c in candidates), key=rank_key)


def match(need: Need, candidates: list[Candidate]) -> Match:
    """Options best first (ties broken by unit id and bed type) and exclusions with reasons."""
    options: list[Candidate] = []
    excluded: list[Exclusion] = []
    for c in candidates:
        exclusion = exclude(need, c)
        if exclusion is not None:
            excluded.append(exclusion)
        else:
            options.append(c)
    excluded.sort(key=lambda e: (e.candidate.unit_id, e.candidate.bed_type_code))
    return Match(tuple(rank(need, options)), tuple(excluded))
