"""The indicators a profile shows: label (English msgid), unit, section and how to aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Agg(StrEnum):
    SUM = "sum"  # counts: the region is the sum of its gemeenten
    WEIGHTED = "weighted"  # shares and averages: population-weighted mean
    NONE = "none"  # ratios that cannot be combined (standardised cost ratio)


@dataclass(frozen=True)
class Indicator:
    """One figure of a profile; ``key`` is 'indicator' or 'indicator@subgroup'."""

    code: str
    label: str
    unit: str
    section: str
    agg: Agg
    subgroup: str = ""
    decimals: int = 0
    map_scheme: str = "blues"

    @property
    def key(self) -> str:
        return f"{self.code}@{self.subgroup}" if self.subgroup else self.code


POPULATION = "Population"
HEALTH_18 = "Health, adults (18+)"
HEALTH_65 = "Health, elderly (65+)"
COSTS = "Health-care costs (Zvw)"
ACCESS = "Access to care"

_BASE = [
    Indicator("population", "Inhabitants", "count", POPULATION, Agg.SUM),
    Indicator("density", "Inhabitants per km²", "per km²", POPULATION, Agg.NONE),
    Indicator("households", "Households", "count", POPULATION, Agg.SUM),
    Indicator("household_size", "Average household size", "persons", POPULATION, Agg.WEIGHTED,
              decimals=1),
    Indicator("dwellings", "Dwellings", "count", POPULATION, Agg.SUM),
    Indicator("pct_age_0_15", "Aged 0–14", "%", POPULATION, Agg.WEIGHTED),
    Indicator("pct_age_15_25", "Aged 15–24", "%", POPULATION, Agg.WEIGHTED),
    Indicator("pct_age_25_45", "Aged 25–44", "%", POPULATION, Agg.WEIGHTED),
    Indicator("pct_age_45_65", "Aged 45–64", "%", POPULATION, Agg.WEIGHTED),
    Indicator("pct_age_65plus", "Aged 65 and over", "%", POPULATION, Agg.WEIGHTED,
              map_scheme="purples"),
    Indicator("pct_age_80plus", "Aged 80 and over", "%", POPULATION, Agg.WEIGHTED, decimals=1,
              map_scheme="purples"),
    Indicator("age_80plus", "Inhabitants aged 80 and over", "count", POPULATION, Agg.SUM),
]
_HEALTH = [
    ("good_health", "Good or very good self-rated health", "greens"),
    ("long_term_condition", "One or more long-term conditions", "oranges"),
    ("limited_by_health", "Limited in activities by health", "oranges"),
    ("overweight", "Overweight", "oranges"),
    ("smoker", "Smokes", "oranges"),
    ("anxiety_depression_risk", "Moderate or high risk of anxiety or depression", "oranges"),
    ("lonely", "Lonely", "oranges"),
    ("severely_lonely", "Severely lonely", "oranges"),
    ("informal_carer", "Provides informal care", "blues"),
    ("difficulty_making_ends_meet", "Difficulty making ends meet", "reds"),
]
_COSTS = [
    Indicator("cost_per_insured_year", "Zvw costs per insured-year (EUR)", "EUR", COSTS,
              Agg.WEIGHTED, map_scheme="reds"),
    Indicator("scr", "Standardised cost ratio (age/sex)", "ratio", COSTS, Agg.NONE, decimals=2,
              map_scheme="redblue"),
    Indicator("cost_district_nursing", "District nursing costs per insured-year (EUR)", "EUR",
              COSTS, Agg.WEIGHTED),
    Indicator("cost_mental_health", "Mental-health costs per insured-year (EUR)", "EUR", COSTS,
              Agg.WEIGHTED),
    # A share of each gemeente's own budget: a region figure would need the budgets as
    # weights, which the population is not.
    Indicator("cost_share_medical_specialist", "Share of hospital care in the Zvw budget",
              "%", COSTS, Agg.NONE, decimals=1),
    Indicator("cost_pc_medical_specialist",
              "Hospital (medical specialist) care per insured-year (EUR)", "EUR", COSTS,
              Agg.WEIGHTED),
    Indicator("cost_share_nursing_short_stay",
              "Share of nursing, rehabilitation and short-stay care in the Zvw budget", "%",
              COSTS, Agg.NONE, decimals=1),
    Indicator("cost_share_pharmacy", "Share of pharmacy in the Zvw budget", "%", COSTS,
              Agg.NONE, decimals=1),
    Indicator("cost_share_gp", "Share of general practice in the Zvw budget", "%", COSTS,
              Agg.NONE, decimals=1),
]
_ACCESS = [
    Indicator("distance_gp_km", "Distance to GP practice (km)", "km", ACCESS, Agg.WEIGHTED,
              decimals=1),
    Indicator("distance_gp_post_km", "Distance to GP out-of-hours post (km)", "km", ACCESS,
              Agg.WEIGHTED, decimals=1),
    Indicator("distance_hospital_km", "Distance to hospital (km)", "km", ACCESS, Agg.WEIGHTED,
              decimals=1),
]

INDICATORS: tuple[Indicator, ...] = (
    *_BASE,
    *[Indicator(c, label, "%", HEALTH_18, Agg.WEIGHTED, subgroup="18+", decimals=1,
                map_scheme=scheme) for c, label, scheme in _HEALTH],
    *[Indicator(c, label, "%", HEALTH_65, Agg.WEIGHTED, subgroup="65+", decimals=1,
                map_scheme=scheme) for c, label, scheme in _HEALTH],
    *_COSTS,
    *_ACCESS,
)
BY_KEY = {i.key: i for i in INDICATORS}
SECTIONS = (POPULATION, HEALTH_18, HEALTH_65, COSTS, ACCESS)
# Indicators that exist per wijk (and so can be mapped and ranked at wijk level).
WIJK_LEVEL = tuple(i for i in INDICATORS if i.section in (POPULATION, HEALTH_18, HEALTH_65))
DEFAULT_MAP = "good_health@18+"


def get(key: str) -> Indicator:
    """The indicator for a key such as 'good_health@18+'; KeyError when unknown."""
    return BY_KEY[key]
