"""The projection's inputs, from open-data figures in the long layout (area_code, indicator,
subgroup, year, value) as the opendata loaders produce and store them, and the fit of the
model's levels to an area's observed past (docs/foresight.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from verkeerstoren.foresight import cohort
from verkeerstoren.foresight.cohort import Array

NL = "NL01"
BASE_INDICATOR = "insured_years_by_age"  # Vektis 2015, subgroup "M 0-4" … "V 90+"
COMPONENTS = ("births", "deaths", "net_migration", "immigration", "emigration")
NATIONAL = ("immigration", "emigration", "population_1jan")
INDICATORS = ("population_1jan", "population_31dec", *COMPONENTS)
SUBGROUPS = [f"{s} {g}" for s in ("M", "V") for g in
             [*(f"{a}-{a + 4}" for a in range(0, 90, 5)), "90+"]]


@dataclass(frozen=True)
class Observed:
    """What the open data say about some areas: the age structure of the base year and the
    yearly totals (NaN where a year is missing)."""

    codes: tuple[str, ...]
    base_year: int
    base: Array  # (areas, 2, 19), shares of the base year's population
    years: tuple[int, ...]  # component years; population has one more (1 Jan of the next)
    population: Array  # (areas, years + 1), 1 January
    components: dict[str, Array]  # name → (areas, years)
    national: dict[str, Array]  # immigration, emigration, population_1jan of NL → (years,)

    def index(self, year: int) -> int:
        return self.years.index(year)


def observe(frame: pl.DataFrame, codes: list[str]) -> Observed:
    """The inputs of ``codes`` (gemeenten or NL01) from a long frame of figures."""
    base_rows = frame.filter(pl.col("indicator") == BASE_INDICATOR)
    base_year = int(base_rows["year"].max()) if base_rows.height else 2015  # type: ignore[arg-type]
    years = tuple(sorted(int(y) for y in frame.filter(pl.col("indicator") == "births")["year"]
                         .unique().to_list())) or (base_year,)
    n = len(codes)
    where = {c: i for i, c in enumerate(codes)}
    base = np.full((n, 2 * cohort.GROUPS), np.nan)
    for code, subgroup, value in base_rows.select("area_code", "subgroup", "value").iter_rows():
        if code in where and subgroup in SUBGROUPS and value is not None:
            base[where[code], SUBGROUPS.index(subgroup)] = value
    base = _rake(base.reshape(n, 2, cohort.GROUPS), frame, where, base_year)
    yearly = {ind: np.full((n, len(years) + 1), np.nan) for ind in INDICATORS}
    national = {ind: np.full(len(years) + 1, np.nan) for ind in NATIONAL}
    pos = {y: i for i, y in enumerate(years)}
    rows = frame.filter(pl.col("indicator").is_in(list(INDICATORS)) & (pl.col("subgroup") == ""))
    for code, ind, year, value in rows.select("area_code", "indicator", "year",
                                              "value").iter_rows():
        if year not in pos or value is None:
            continue
        if code in where:
            yearly[ind][where[code], pos[year]] = value
        if code == NL and ind in national:
            national[ind][pos[year]] = value
    population = yearly["population_1jan"]
    population[:, -1] = yearly["population_31dec"][:, -2]  # 31 Dec of the last year
    return Observed(tuple(codes), base_year, base, years, population,
                    {c: yearly[c][:, :-1] for c in COMPONENTS},
                    {k: v[:-1] for k, v in national.items()})


# CBS kerncijfers 2015 age shares (%) and the 5-year groups [first, last) each covers.
CBS_AGE_SHARES = {"pct_age_0_5": (0, 1), "pct_age_5_10": (1, 2), "pct_age_10_15": (2, 3),
                  "pct_age_15_20": (3, 4), "pct_age_20_25": (4, 5), "pct_age_25_45": (5, 9),
                  "pct_age_45_65": (9, 13), "pct_age_65_80": (13, 16),
                  "pct_age_80plus": (16, 19)}


def _rake(counts: Array, frame: pl.DataFrame, where: dict[str, int], year: int) -> Array:
    """Shares of the base population by sex and age. Vektis counts insured-years, which weigh
    the settled (insured all year, mostly older) above the young who move in and out: where
    CBS kerncijfers give the year's shares of nine broad age groups, each broad group is scaled
    to its CBS share and Vektis only gives the sex and age shape inside it."""
    sums = counts.sum(axis=(1, 2))
    shares = counts / np.where(sums > 0, sums, np.nan)[:, None, None]
    names = list(CBS_AGE_SHARES)
    cbs = np.full((len(where), len(names)), np.nan)
    rows = frame.filter(pl.col("indicator").is_in(names) & (pl.col("year") == year)
                        & (pl.col("subgroup") == ""))
    for code, indicator, value in rows.select("area_code", "indicator", "value").iter_rows():
        if code in where and value is not None:
            cbs[where[code], names.index(indicator)] = value
    complete = ~np.isnan(cbs).any(axis=1) & (np.nansum(cbs, axis=1) > 0)
    cbs = cbs / np.where(complete, np.nansum(cbs, axis=1), 1.0)[:, None]  # rounded to 0.1 %
    for j, (lo, hi) in enumerate(CBS_AGE_SHARES.values()):
        now = shares[:, :, lo:hi].sum(axis=(1, 2))
        known = complete & (now > 0)
        shares[known, :, lo:hi] *= (cbs[known, j] / now[known])[:, None, None]
    return shares


def _trend(series: Array, years: Array) -> tuple[float, float]:
    """The least-squares line through ``series``: (its value at the last year, its slope)."""
    if len(series) < 2:
        return float(series[-1]), 0.0
    slope, intercept = np.polyfit(years, series, 1)
    return float(slope * years[-1] + intercept), float(slope)


@dataclass(frozen=True)
class MigrationModel:
    """How future migration is fitted (docs/foresight.md, "How the variant was chosen"). The
    defaults are the variant chosen on the rolling-origin validation (origins 2015 and 2016,
    projected to 1 January 2019, before the backtests' outcomes), among those whose trend stays
    bounded to 2040 (damping <= 0.8).

    - ``damping``: φ of the damped trend of the national immigration and emigration lines
      (0: their latest level, no growth; 1: the straight line continued).
    - ``population_mix``: a gemeente's part of the national flows is this mix of its share of
      the national population and its own past share of the flows (0: its own share only; 1:
      its population share only).
      Own shares of a few years are noisy, and the housing of refugees is shared out among
      gemeenten by population.
    - ``smoothing``: α of the exponential smoothing of net moves between gemeenten (None: the
      mean of the fitted years)."""

    damping: float = 0.8
    population_mix: float = 0.5
    smoothing: float | None = 0.5


DEFAULT_MODEL = MigrationModel()


def _smoothed(series: Array, alpha: float | None) -> Array:
    """Per area (rows), the level of the yearly series (columns): their mean, or the
    exponentially smoothed level at the last year."""
    if alpha is None:
        return np.asarray(series.mean(axis=1), dtype=np.float64)
    level = series[:, 0].copy()
    for j in range(1, series.shape[1]):
        level = alpha * series[:, j] + (1.0 - alpha) * level
    return np.asarray(level, dtype=np.float64)


@dataclass(frozen=True)
class Fit:
    """The model fitted on years first..last: the jump-off structure and the rates."""

    jump_off: int
    x: Array  # (areas, 2, 91) persons by single age on 1 January of jump_off
    rates: cohort.Rates


def fit(obs: Observed, first: int, last: int,
        model: MigrationModel = DEFAULT_MODEL) -> Fit:
    """Age the base structure through the observed years up to ``last`` (their births, deaths
    and migration as given), then fit the levels of the schedules on ``first``..``last``."""
    jump_off = max(obs.base_year, last + 1)
    y0 = obs.index(obs.base_year) if obs.base_year in obs.years else len(obs.years)
    x = cohort.to_ages(obs.base * obs.population[:, y0][:, None, None])
    structures = {obs.base_year: x}
    births, deaths = obs.components["births"], obs.components["deaths"]
    migration = obs.components["net_migration"]
    for year in range(obs.base_year, jump_off):
        i = obs.index(year)
        x = cohort.observed_step(x, births[:, i], deaths[:, i], migration[:, i],
                                 obs.population[:, i + 1])
        structures[year + 1] = x
    span = [obs.index(y) for y in range(first, last + 1)]
    expected_d = np.stack([cohort.expected_deaths(structures.get(y, structures[obs.base_year]))
                           for y in range(first, last + 1)], axis=1)
    expected_b = np.stack([cohort.expected_births(structures.get(y, structures[obs.base_year]))
                           for y in range(first, last + 1)], axis=1)
    mortality = deaths[:, span].sum(axis=1) / expected_d.sum(axis=1)
    fertility = births[:, span].sum(axis=1) / expected_b.sum(axis=1)
    years = np.array(range(first, last + 1), dtype=np.float64)
    # The share of the national population; where NL's count is missing, the own share only.
    national_population = obs.national["population_1jan"][span].sum()
    if np.isfinite(national_population) and national_population > 0:
        population_share = obs.population[:, span].sum(axis=1) / national_population
        mix = model.population_mix
    else:
        population_share, mix = np.zeros(len(obs.codes)), 0.0
    # The trend's value in the jump-off year, when that lies more than a year past `last`.
    offset = jump_off - last - 1
    phi = model.damping
    level = np.zeros(len(obs.codes))
    trend = np.zeros(len(obs.codes))
    for flow, sign in (("immigration", 1.0), ("emigration", -1.0)):
        own = obs.components[flow][:, span]
        national = obs.national[flow][span]
        share = (1.0 - mix) * own.sum(axis=1) / national.sum() + mix * population_share
        at_last, slope = _trend(national, years)
        level += sign * share * (at_last + slope * sum(phi ** j for j in range(1, offset + 1)))
        trend += sign * share * slope * phi ** offset
    internal = _smoothed(migration[:, span] - obs.components["immigration"][:, span]
                         + obs.components["emigration"][:, span], model.smoothing)
    rates = cohort.Rates(mortality, fertility, internal + level, trend, phi)
    return Fit(jump_off, x, rates)


def run(obs: Observed, first: int, last: int, until: int, migration_factor: float = 1.0,
        model: MigrationModel = DEFAULT_MODEL) -> tuple[tuple[int, ...], Array]:
    """Fit on first..last and project to 1 January ``until``: (years, counts (years, areas,
    2, 19)), the jump-off year first."""
    fitted = fit(obs, first, last, model)
    steps = max(until - fitted.jump_off, 0)
    counts = cohort.project(fitted.x, fitted.rates, steps, migration_factor)
    return tuple(range(fitted.jump_off, fitted.jump_off + steps + 1)), counts
