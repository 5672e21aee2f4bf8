"""The loaded official forecast beside the tower's projection, and used instead of it.

Comparison: per year the tower's projection and the official figure of an area (a gemeente or
a region whose gemeenten the file all covers), with the difference. Use instead: when the
region switches it on, demand, zorgkloof and beds-needed take the official population for the
gemeenten and years the file covers; a total-only file keeps the tower's sex and age shape and
scales it to the official total. Every result says which population it rests on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Permission
from verkeerstoren.errors import Forbidden, ValidationProblem
from verkeerstoren.foresight.models import OfficialForecast, OfficialForecastValue
from verkeerstoren.foresight.population import AGE_GROUPS, SEXES, PopulationProjection

OWN = "the tower's cohort-component projection"
BASE_YEAR = 2024


@dataclass(frozen=True)
class Loaded:
    """The stored forecast: counts[gemeente] of shape (years, 2, 19) or totals (years,)."""

    forecast: OfficialForecast
    years: tuple[int, ...]
    counts: dict[str, NDArray[np.float64]]

    @property
    def detailed(self) -> bool:
        return self.forecast.shape == "detailed"

    def label(self) -> str:
        f = self.forecast
        return (f"official forecast '{f.title}' ({f.file_name}, loaded "
                f"{f.uploaded_at:%Y-%m-%d %H:%M} UTC) for {self.years[0]}–{self.years[-1]}")


def current(session: Session) -> OfficialForecast | None:
    return session.scalars(select(OfficialForecast).order_by(OfficialForecast.id.desc())).first()


def loaded(session: Session, codes: list[str] | None = None) -> Loaded | None:
    """The stored forecast's figures (of ``codes`` only, when given)."""
    forecast = current(session)
    if forecast is None:
        return None
    query = select(OfficialForecastValue.gemeente_code, OfficialForecastValue.year,
                   OfficialForecastValue.sex, OfficialForecastValue.age_group,
                   OfficialForecastValue.persons).where(
        OfficialForecastValue.forecast_id == forecast.id)
    if codes is not None:
        query = query.where(OfficialForecastValue.gemeente_code.in_(codes))
    rows = session.execute(query).all()
    years = tuple(sorted(set(session.scalars(
        select(OfficialForecastValue.year).distinct()
        .where(OfficialForecastValue.forecast_id == forecast.id)))))
    if not years:
        return None
    index = {y: i for i, y in enumerate(years)}
    sex_i = {s: i for i, s in enumerate(SEXES)}
    age_i = {g: i for i, g in enumerate(AGE_GROUPS)}
    shape = (len(years), len(SEXES), len(AGE_GROUPS)) if forecast.shape == "detailed" \
        else (len(years),)
    counts: dict[str, NDArray[np.float64]] = {}
    for code, year, sex, group, persons in rows:
        target = counts.setdefault(code, np.zeros(shape))
        if forecast.shape == "detailed":
            target[index[year], sex_i[sex], age_i[group]] = persons
        else:
            target[index[year]] = persons
    return Loaded(forecast, years, counts)


def set_use(session: Session, actor: Actor, use: bool) -> OfficialForecast:
    """Switch 'use the official forecast instead' on or off."""
    if not actor.can(Permission.KPI_EDIT):
        raise Forbidden("role may not change planning data")
    forecast = current(session)
    if forecast is None:
        raise ValidationProblem("use_instead", "No official forecast is loaded.")
    if use:
        first = session.scalar(select(OfficialForecastValue.year)
                               .where(OfficialForecastValue.forecast_id == forecast.id)
                               .order_by(OfficialForecastValue.year).limit(1))
        # Indexes and growth are measured from 2024: a file that starts later would compare
        # the tower's 2024 with the official later years, a jump that is no one's forecast.
        if first is None or first > BASE_YEAR:
            raise ValidationProblem(
                "use_instead", "The official forecast must include {year} to be used instead "
                "(growth is measured from {year}).", year=BASE_YEAR)
    forecast.use_instead = use
    return forecast


def in_use(session: Session, codes: list[str]) -> Loaded | None:
    """The forecast to use instead for these gemeenten, or None (switched off / not loaded)."""
    forecast = current(session)
    if forecast is None or not forecast.use_instead:
        return None
    return loaded(session, codes)


def overlay(projection: PopulationProjection, official: Loaded) -> PopulationProjection:
    """A gemeente's projection with the official figures in the years the file covers."""
    figures = official.counts.get(projection.area_code)
    if figures is None:
        return projection
    counts = projection.counts.copy()
    for i, year in enumerate(projection.years):
        if year not in official.years:
            continue
        j = official.years.index(year)
        if official.detailed:
            counts[i] = figures[j]
        else:
            own = counts[i].sum()
            counts[i] = counts[i] * (figures[j] / own) if own else counts[i]
    return replace(projection, counts=counts)


def _same(message: str, **values: object) -> str:
    return message.format(**values) if values else message


def source_label(official: Loaded | None, codes: list[str],
                 translate: Callable[..., str] = _same) -> str:
    """Which population a figure rests on, in words (English unless ``translate`` is given)."""
    _ = translate
    own = _("Population: the tower's cohort-component projection.")
    if official is None:
        return own
    covered = [c for c in codes if c in official.counts]
    if not covered:
        return own + " " + _("(The official forecast covers none of these gemeenten.)")
    f = official.forecast
    parts = [_("Population: official forecast '{title}' (file {file}, loaded {time} UTC) for "
               "{first}–{last}.", title=f.title, file=f.file_name,
               time=f"{f.uploaded_at:%Y-%m-%d %H:%M}", first=official.years[0],
               last=official.years[-1])]
    if not official.detailed:
        parts.append(_("Totals only: the tower's age and sex shape is scaled to them."))
    if len(covered) < len(codes):
        parts.append(_("{n} of {total} gemeenten not covered: the tower's projection there.",
                       n=len(codes) - len(covered), total=len(codes)))
    parts.append(_("Other years: the tower's projection."))
    return " ".join(parts)


@dataclass(frozen=True)
class CompareRow:
    year: int
    own_total: float
    official_total: float
    own_65plus: float
    official_65plus: float | None
    own_80plus: float
    official_80plus: float | None

    @property
    def difference(self) -> float:
        return self.official_total - self.own_total

    @property
    def difference_percent(self) -> float:
        return self.difference / self.own_total * 100 if self.own_total else float("nan")


def compare(official: Loaded, projection: PopulationProjection,
            codes: list[str]) -> list[CompareRow] | None:
    """The tower's projection of an area beside the official one, per common year; None when
    the file does not cover every gemeente of the area."""
    if not codes or any(c not in official.counts for c in codes):
        return None
    total = np.sum([official.counts[c] for c in codes], axis=0)
    rows = []
    own_total, own_65, own_80 = projection.total(), projection.aged(65), projection.aged(80)
    for i, year in enumerate(projection.years):
        if year not in official.years:
            continue
        j = official.years.index(year)
        figures = total[j]
        detailed = official.detailed
        rows.append(CompareRow(
            year=year, own_total=float(own_total[i]), official_total=float(np.sum(figures)),
            own_65plus=float(own_65[i]),
            official_65plus=float(figures[:, 13:].sum()) if detailed else None,
            own_80plus=float(own_80[i]),
            official_80plus=float(figures[:, 16:].sum()) if detailed else None))
    return rows
