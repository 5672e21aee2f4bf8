"""Scenario levers, the named demo scenarios, and how a scenario's effect is attributed.

Every lever's effect is phased in linearly from the base year to ``FULL_EFFECT_YEAR`` and held
after (a programme does not prevent 10 % of care in its first year); productivity compounds
per year. Attribution is **sequential**: the levers are switched on one after another in the
fixed order of ``LEVER_ORDER``, each credited with the change it makes on top of the ones
before, so the contributions add up exactly to the scenario's difference from the reference
(one-at-a-time effects would not, because levers interact: prevention shrinks the demand that
productivity then divides). The order is documented with every result.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

FULL_EFFECT_YEAR = 2030
# When y % of hospital care moves to the first line, the first line does it for a quarter of the
# hospital's cost (assumption, shown on the page; a region may argue another ratio).
SUBSTITUTION_COST_RATIO = 0.25

# (lever, English label msgid, minimum, maximum, unit msgid)
LEVERS: tuple[tuple[str, str, float, float, str], ...] = (
    ("migration_factor", "Migration (net migration × factor)", 0.0, 3.0, "factor"),
    ("prevention_percent", "Prevention: lower age-specific use", 0.0, 30.0, "%"),
    ("substitution_percent", "Substitution: hospital care moved to the first line", 0.0, 50.0,
     "%"),
    ("length_of_stay_percent", "Change in length of stay (beds)", -50.0, 50.0, "%"),
    ("productivity_percent", "Productivity growth per FTE per year", -2.0, 5.0, "% per year"),
    ("inflow_percent", "Change in staff inflow", -50.0, 100.0, "%"),
    ("outflow_percent", "Change in staff outflow", -50.0, 100.0, "%"),
)
LEVER_ORDER = tuple(name for name, *_ in LEVERS)
RANGES = {name: (lo, hi) for name, _, lo, hi, _ in LEVERS}


@dataclass(frozen=True)
class Levers:
    """One scenario's lever settings; the defaults are the reference ("beleidsarm")."""

    migration_factor: float = 1.0
    prevention_percent: float = 0.0
    substitution_percent: float = 0.0
    length_of_stay_percent: float = 0.0
    productivity_percent: float = 0.0
    inflow_percent: float = 0.0
    outflow_percent: float = 0.0

    def __post_init__(self) -> None:
        from verkeerstoren.errors import ValidationProblem

        for f in fields(self):
            lo, hi = RANGES[f.name]
            value = getattr(self, f.name)
            if not lo <= value <= hi:
                raise ValidationProblem(f.name, "{field} must lie between {lo} and {hi}.",
                                        params={"field": f.name, "lo": lo, "hi": hi})

    def steps(self) -> list[tuple[str, Levers]]:
        """(lever, levers with it and every earlier lever switched on) in ``LEVER_ORDER``,
        skipping levers left at the reference."""
        current = Levers()
        out: list[tuple[str, Levers]] = []
        for name in LEVER_ORDER:
            if getattr(self, name) != getattr(current, name):
                current = replace(current, **{name: getattr(self, name)})
                out.append((name, current))
        return out


def phase(year: int, base_year: int) -> float:
    """Share of a lever's effect reached in ``year``: 0 in the base year, 1 from 2030."""
    if year <= base_year:
        return 0.0
    span = max(FULL_EFFECT_YEAR - base_year, 1)
    return min((year - base_year) / span, 1.0)


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str  # Dutch, shown as is: scenario names are the region's own words
    description: str
    levers: Levers


REFERENCE = Scenario("reference", "Beleidsarm",
                     "Zorggebruik per leeftijd en geslacht gelijk aan nu; alleen de bevolking "
                     "verandert.", Levers())
# Three demo scenarios, the same three for each demo region (their lever settings are invented
# to show the levers, not taken from a region plan).
PRESETS: tuple[Scenario, ...] = (
    Scenario("prevention", "Preventie en de juiste zorg op de juiste plek",
             "Preventie verlaagt het zorggebruik per leeftijd met 5 %; 10 % van de "
             "ziekenhuiszorg gaat naar de eerste lijn; ligduur ELV/GRZ 10 % korter.",
             Levers(prevention_percent=5, substitution_percent=10,
                    length_of_stay_percent=-10)),
    Scenario("labour", "Arbeidsmarkt: behouden en aantrekken",
             "20 % meer instroom, 15 % minder uitstroom, 1 % productiviteitsgroei per jaar "
             "(minder administratieve lasten, technologie).",
             Levers(productivity_percent=1, inflow_percent=20, outflow_percent=-15)),
    Scenario("combined", "Regioplan: alles samen",
             "Preventie 5 %, substitutie 10 %, ligduur −10 %, productiviteit +1 % per jaar, "
             "instroom +20 %, uitstroom −15 %, migratie zoals verwacht.",
             Levers(prevention_percent=5, substitution_percent=10, length_of_stay_percent=-10,
                    productivity_percent=1, inflow_percent=20, outflow_percent=-15)),
)
ALL = {s.key: s for s in (REFERENCE, *PRESETS)}
