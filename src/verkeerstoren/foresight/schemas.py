"""API models of demand, workforce, scenarios and beds-needed (S2). Percentages are 0–100."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from verkeerstoren.foresight.population import AGE_GROUPS
from verkeerstoren.planning.schemas import StayDays

SectorKey = Literal["gp", "district_nursing", "hospital", "emergency", "nursing_home",
                    "mental_health", "short_stay", "zvw_total_2023"]
AREA_PATTERN = r"^(GM\d{4}|RG\d{1,9}|RG_[A-Za-z0-9_-]{1,60})$"
N_AGES = len(AGE_GROUPS)
# A rate is checked for being negative in the service, which names the age group; here only
# that it is a finite number of a sane size (an infinite rate would make the answer non-JSON).
Rate = Annotated[float, Field(allow_inf_nan=False, le=1e9)]


class SectorRatesIn(BaseModel):
    """A region's own care-use rates for one sector: per person per year, one per age group
    (0-4 … 90+), in the sector's own unit."""

    model_config = ConfigDict(extra="forbid")

    sector: SectorKey
    unit: str = Field(min_length=1, max_length=60, examples=["visits per year"])
    male: list[Rate] = Field(min_length=N_AGES, max_length=N_AGES)
    female: list[Rate] | None = Field(default=None, min_length=N_AGES, max_length=N_AGES,
                                       description="Left out: the same as male.")


class WorkforceIn(BaseModel):
    """A sector's staff in the base year (2024)."""

    model_config = ConfigDict(extra="forbid")

    sector: SectorKey
    persons: float = Field(ge=0, le=1_000_000)
    part_time_factor: float = Field(gt=0, le=1, description="FTE per person.")
    vacancies_fte: float = Field(default=0, ge=0, le=1_000_000)
    inflow_persons: float = Field(ge=0, le=1_000_000, description="Per year.")
    outflow_percent: float = Field(ge=0, le=50, description="Per year, besides retirement.")
    aged_55_59_percent: float = Field(default=10, ge=0, le=100)
    aged_60_plus_percent: float = Field(default=12, ge=0, le=100)


class LeversIn(BaseModel):
    """Scenario levers; each left out stays at the reference (beleidsarm)."""

    model_config = ConfigDict(extra="forbid")

    migration_factor: float = Field(default=1.0, ge=0, le=3)
    prevention_percent: float = Field(default=0, ge=0, le=30)
    substitution_percent: float = Field(default=0, ge=0, le=50)
    length_of_stay_percent: float = Field(default=0, ge=-50, le=50)
    productivity_percent: float = Field(default=0, ge=-2, le=5)
    inflow_percent: float = Field(default=0, ge=-50, le=100)
    outflow_percent: float = Field(default=0, ge=-50, le=100)


class OutlookIn(BaseModel):
    """What to project: an area, a scenario (a named one or levers), own rates and staff."""

    model_config = ConfigDict(extra="forbid")

    area_code: str = Field(pattern=AREA_PATTERN, examples=["GM0637"])
    until: int = Field(default=2040, ge=2025, le=2040)
    scenario: Literal["reference", "prevention", "labour", "combined"] | None = None
    levers: LeversIn | None = Field(default=None, description="Overrides the scenario's.")
    rates: list[SectorRatesIn] = Field(default_factory=list, max_length=8)
    workforce: list[WorkforceIn] = Field(default_factory=list, max_length=8)


class SectorOut(BaseModel):
    key: str
    label: str
    unit: str
    rates_source: str
    demand: list[float]
    index: list[float]
    needed_fte: list[float] | None
    available_fte: list[float] | None
    gap_fte: list[float] | None
    workforce_invented: bool
    # "invented demo figures", "entered", or "file <name> uploaded <time> UTC".
    workforce_source: str | None = None


class ContributionOut(BaseModel):
    lever: str
    value: float
    gap_fte_change: float


class OutlookOut(BaseModel):
    area_code: str
    area_name: str
    years: list[int]
    scenario: str
    scenario_name: str
    levers: LeversIn
    method: str
    assumptions: list[str]
    population: list[float]
    aged_65_plus: list[float]
    aged_80_plus: list[float]
    mantelzorg_potential: list[float | None]
    sectors: list[SectorOut]
    gap_fte_total: list[float]
    population_source: str = Field(description="Which population the figures rest on.")


class ComparisonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area_code: str = Field(pattern=AREA_PATTERN, examples=["GM0637"])
    until: int = Field(default=2040, ge=2025, le=2040)
    scenarios: list[Literal["prevention", "labour", "combined"]] = Field(
        default=["prevention", "labour", "combined"], min_length=1, max_length=3)


class ScenarioResultOut(BaseModel):
    outlook: OutlookOut
    gap_fte_difference: float
    contributions: list[ContributionOut]


class ComparisonOut(BaseModel):
    area_code: str
    area_name: str
    year: int
    attribution: str
    reference: OutlookOut
    scenarios: list[ScenarioResultOut]


class ScenarioOut(BaseModel):
    key: str
    name: str
    description: str
    levers: LeversIn


class MeasureOut(BaseModel):
    key: str
    label: str
    unit: str


class BedsPerYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area_code: str = Field(pattern=AREA_PATTERN, examples=["GM0637"])
    bed_type: str = Field(min_length=1, max_length=30, examples=["multifunctional"])
    until: int = Field(default=2040, ge=2025, le=2040)
    arrivals_per_day: float | None = Field(default=None, gt=0, le=10_000)
    mean_stay_days: StayDays = None
    scenario: Literal["reference", "prevention", "labour", "combined"] | None = None


class BedsYearOut(BaseModel):
    year: int
    arrivals_per_day: float
    beds_95: int
    beds_99: int


class BedsPerYearOut(BaseModel):
    area_code: str
    area_name: str
    bed_type: str
    bed_type_name: str
    age_group: str
    method: str
    arrivals_source: str
    stay_source: str
    observed_requests: float
    observed_days: int
    thin_history: bool = False
    registered_beds: int = 0
    inputs_note: str | None = None
    mean_stay_days: float
    years: list[BedsYearOut]
    population_source: str = Field(description="Which population the growth rests on.")
