"""API models of the bed planning (S3). Percentages are 0–100, days and beds as counted."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

STANDARD_GUARANTEES = (95.0, 99.0, 99.9)
# An entered mean length of stay, in days: at least an hour. A stay of a few seconds (the API
# fuzzer sent 5e-324) made the arrivals derived from the registered beds (beds × occupancy ÷
# stay) infinite, and the answer carried null where a number was promised.
StayDays = Annotated[float | None, Field(ge=1 / 24, le=3_650)]


class BedPlanIn(BaseModel):
    """What to plan for. Arrivals and stay left out are taken from what the tower observed."""

    model_config = ConfigDict(extra="forbid")

    bed_type: str = Field(min_length=1, max_length=30, examples=["multifunctional"])
    region_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    gemeente_code: str | None = Field(default=None, pattern=r"^GM\d{4}$")
    arrivals_per_day: float | None = Field(default=None, gt=0, le=10_000)
    mean_stay_days: StayDays = None
    guarantee_percent: float = Field(default=95.0, ge=50, lt=100,
                                     description="Share of patients who must find a bed; "
                                                 "100 % is not reachable with finite beds.")
    stay_cv: float = Field(default=1.0, gt=0, le=5,
                           description="Spread of stays in the simulation (1: as exponential).")
    overflow_beds: int = Field(default=0, ge=0, le=1_000)
    simulate_years: int = Field(default=10, ge=0, le=20, description="0: no simulation.")
    window_days: int = Field(default=90, ge=7, le=730,
                             description="Days of observations the estimate looks back on.")


class ObservedOut(BaseModel):
    start: str
    end: str
    requests: float
    arrivals_per_day: float
    weekday_pattern: list[float] | None
    mean_occupied: float | None
    mean_stay_days: float | None
    units: int


class GuaranteeOut(BaseModel):
    guarantee_percent: float
    beds: int
    admitted_percent: float
    occupancy_percent: float


class SimulationOut(BaseModel):
    years: int
    seed: int
    beds: int
    overflow_beds: int
    arrivals: int
    refused: int
    overflowed: int
    blocking_percent: float
    ward_full_percent: float
    erlang_percent: float
    weekday_pattern: list[float]
    blocking_by_weekday_percent: list[float | None]


class BedPlanOut(BaseModel):
    bed_type: str
    bed_type_name: str
    area: str
    method: str
    arrivals_per_day: float
    arrivals_source: Literal["observed", "entered", "default"]
    mean_stay_days: float
    stay_source: Literal["observed", "entered", "default"]
    offered_load: float
    observed: ObservedOut
    # Too few requests (or too short a history) to estimate from: see planning/defaults.py.
    thin_history: bool = False
    history_days: int = 0
    registered_beds: int = 0
    default_stay_days: float | None = None
    inputs_note: str | None = Field(default=None, description="Why defaults were used.")
    chosen: GuaranteeOut
    guarantees: list[GuaranteeOut]
    simulation: SimulationOut | None
