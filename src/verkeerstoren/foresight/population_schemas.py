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

    measure: str = Field(
        examples=["total_population", "share_65plus", "share_65plus_observed"],
        description="total_population: fitted on 2012-2018, projected to 1 January 2024; "
                    "share_65plus: the 65+ share of 2024 forecast from 2015; "
                    "share_65plus_observed: the same share with the 2015-2023 births, deaths "
                    "and migration as counted (not a forecast).")
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
