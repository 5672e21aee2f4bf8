"""API models of the population projection (S2). Counts are persons on 1 January."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AgeGroupOut(BaseModel):
    age_group: str = Field(examples=["65-69"])
    male: list[float] = Field(description="Persons per year, in the order of `years`.")
    female: list[float]


class BacktestOut(BaseModel):
    """A backtest over some areas: mean absolute percentage error of the model and of the
    naive baseline (lower is better)."""

    measure: str = Field(examples=["total_population", "share_65plus"])
    scope: str = Field(description="The area or region the error is averaged over.")
    areas: int
    model_mape: float = Field(description="Model error, % (mean absolute percentage error).")
    naive_mape: float = Field(description="Naive baseline's error, %.")
    baseline: str


class PopulationOut(BaseModel):
    area_code: str
    area_name: str
    method: str
    years: list[int] = Field(description="1 January of each year, the base year first.")
    total: list[float]
    aged_65plus: list[float]
    aged_80plus: list[float]
    age_groups: list[AgeGroupOut]
    migration_factor: float
    assumptions: list[str]
    inputs: list[str]
    backtests: list[BacktestOut]
