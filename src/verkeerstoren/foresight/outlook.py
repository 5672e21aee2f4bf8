"""Demand, workforce and the zorgkloof for an area under a scenario (issue 16 items 3–5).

An area is a gemeente (GMxxxx) or a region (``RG_<name>``, the registry's region); a region is
projected gemeente by gemeente, each with its own rates, and summed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.foresight import demand as dm
from verkeerstoren.foresight import inputs, official, population, rates, staff_import, workforce
from verkeerstoren.foresight.population import PopulationLevers, PopulationProjection
from verkeerstoren.foresight.scenarios import ALL, REFERENCE, Levers
from verkeerstoren.foresight.schemas import (
    LeversIn,
    OutlookIn,
    OutlookOut,
    SectorOut,
    SectorRatesIn,
)
from verkeerstoren.registry.models import Gemeente, Region

Projector = Callable[..., PopulationProjection]
# The cohort model itself: it projects many gemeenten in one run (``Projections._together``);
# any other projector (a test's hand-made population) is called per gemeente.
MODEL = population.project_area
METHOD = ("Demand = care-use rate per sex and 5-year age group × projected population "
          "(rates held constant: 'beleidsarm'), index 2024 = 100; FTE needed = (staff + "
          "vacancies in 2024) × demand growth / productivity; zorgkloof = FTE needed − FTE "
          "available.")


def region_code(region: Region) -> str:
    """A region as an area, as the population projection names it: 'RG' + its id."""
    return f"{population.REGION_PREFIX}{region.id}"


def region_alias(name: str) -> str:
    """'Gooi en Vechtstreek' → 'RG_Gooi_en_Vechtstreek' (a region by name, for links)."""
    return "RG_" + re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def members(session: Session, area_code: str) -> tuple[str, list[tuple[str, str]]]:
    """The area's name and its gemeenten (code, name)."""
    if area_code.startswith("GM"):
        gemeente = session.get(Gemeente, area_code)
        if gemeente is None:
            raise ValidationProblem("area_code", "Unknown area {code}.",
                                    params={"code": area_code})
        return gemeente.name, [(gemeente.code, gemeente.name)]
    for region in session.scalars(select(Region).order_by(Region.name)):
        if area_code in (region_code(region), region_alias(region.name)):
            rows = session.execute(select(Gemeente.code, Gemeente.name)
                                   .where(Gemeente.region_id == region.id)
                                   .order_by(Gemeente.code)).all()
            if not rows:
                break
            return region.name, [(c, n) for c, n in rows]
    raise ValidationProblem("area_code", "Unknown area {code}.", params={"code": area_code})


def levers_of(data_scenario: str | None, levers: LeversIn | None) -> tuple[str, str, Levers]:
    """(key, name, levers) of the asked scenario; explicit levers override a named one."""
    scenario = ALL[data_scenario] if data_scenario else REFERENCE
    if levers is not None:
        return ("custom", "Eigen scenario", Levers(**levers.model_dump()))
    return scenario.key, scenario.name, scenario.levers


def _entered_rates(entry: SectorRatesIn) -> rates.Rates:
    female = entry.female if entry.female is not None else entry.male
    for field, values in (("male", entry.male), ("female", female)):
        for i, value in enumerate(values):
            if value < 0 or value != value:
                raise ValidationProblem(
                    f"rates.{entry.sector}.{field}",
                    "The rate for age group {age} must be a number of at least 0.",
                    params={"age": population.AGE_GROUPS[i]})
    return np.array([entry.male, female], dtype=np.float64)


class Projections:
    """Population projections of an area's gemeenten, made once per migration factor."""

    def __init__(self, session: Session, codes: list[str], until: int,
                 project: Projector | None = None) -> None:
        self.session, self.codes, self.until = session, codes, until
        self.project = project or population.project_area
        self._made: dict[float, list[PopulationProjection]] = {}
        self._observed: inputs.Observed | None = None
        # The region may have chosen to use a loaded official forecast instead of the model.
        self._official = official.in_use(session, codes)
        self.population_source = official.source_label(self._official, codes)

    def get(self, migration_factor: float) -> list[PopulationProjection]:
        if migration_factor not in self._made:
            levers = PopulationLevers(migration_factor=migration_factor)
            if self.project is MODEL:
                self._made[migration_factor] = self._together(levers)
            else:
                self._made[migration_factor] = [
                    self.project(self.session, code, until=self.until, levers=levers)
                    for code in self.codes]
            if self._official is not None:
                self._made[migration_factor] = [official.overlay(p, self._official)
                                                for p in self._made[migration_factor]]
        return self._made[migration_factor]

    def _together(self, levers: PopulationLevers) -> list[PopulationProjection]:
        # One run of the cohort model over all the area's gemeenten (it projects many areas at
        # once), split per gemeente: each keeps its own care-use rates.
        population.check_levers(levers, self.until)
        if self._observed is None:
            self._observed = population.observed(self.session, self.codes)
        years, counts = population.project_observed(self._observed, self.until, levers)
        return [PopulationProjection(code, code, years, counts[:, i], population.METHOD,
                                     population.ASSUMPTIONS)
                for i, code in enumerate(self.codes)]


class Inputs:
    """Everything an outlook needs besides the levers, gathered once for many scenarios."""

    def __init__(self, session: Session, data: OutlookIn, project: Projector | None = None):
        self.area_name, gemeenten = members(session, data.area_code)
        self.area_code = data.area_code
        self.names = [n for _, n in gemeenten]
        self.projections = Projections(session, [c for c, _ in gemeenten], data.until, project)
        entered = {r.sector: r for r in data.rates}
        self.sectors = {s.key: s for s in rates.SECTORS}
        self.units: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self.rates: dict[str, list[rates.Rates]] = {}
        for key, sector in self.sectors.items():
            if key in entered:
                own = _entered_rates(entered[key])
                self.rates[key] = [own] * len(self.names)
                self.units[key] = entered[key].unit
            else:
                self.rates[key] = [rates.default_rates(sector, [n]) for n in self.names]
                self.units[key] = sector.unit
            self.sources[key] = rates.source_label(sector, key in entered)
        # Substitution is reckoned in euros whatever unit GP and hospital care are entered in.
        self.euro_rates = {k: [rates.default_rates(self.sectors[k], [n]) for n in self.names]
                           for k in ("hospital", "gp")}
        # Staff entered with the request win over uploaded figures, which win over the demo's
        # invented ones (``compute``).
        self.staff: dict[str, workforce.Workforce] = {
            **staff_import.uploaded(session, data.area_code),
            **{w.sector: workforce.Workforce(**w.model_dump(), source="entered")
               for w in data.workforce}}


def compute(inputs: Inputs, key: str, name: str, levers: Levers) -> OutlookOut:
    """The outlook of one scenario."""
    projections = inputs.projections.get(levers.migration_factor)
    if not projections:
        raise ValidationProblem("area_code", "No age data for {area}.",
                                params={"area": inputs.area_name})
    years = dm.years_from(projections[0])
    raw = {k: dm.raw_demand(projections, r) for k, r in inputs.rates.items()}
    euros = (dm.raw_demand(projections, inputs.euro_rates["hospital"]),
             dm.raw_demand(projections, inputs.euro_rates["gp"]))
    demand = dm.with_levers(raw, inputs.sectors, years, levers, euros)
    first = projections[0].years.index(years[0])
    counts = np.sum([p.counts[first:] for p in projections], axis=0)
    joined = PopulationProjection(inputs.area_code, inputs.area_name, tuple(years), counts,
                                  projections[0].method, projections[0].assumptions)
    base_population = float(joined.total()[0])
    sectors: list[SectorOut] = []
    gap_total = np.zeros(len(years))
    for k, sector in inputs.sectors.items():
        staff = inputs.staff.get(k) or workforce.demo_workforce(k, base_population)
        needed = available = gap = None
        if staff is not None:
            needed = workforce.needed_fte(staff, demand[k], years, levers)
            available = workforce.supply_fte(staff, years, levers)
            gap = needed - available
            gap_total += gap
        sectors.append(SectorOut(
            key=k, label=sector.label, unit=inputs.units[k], rates_source=inputs.sources[k],
            demand=demand[k].tolist(), index=dm.index(demand[k]).tolist(),
            needed_fte=None if needed is None else needed.tolist(),
            available_fte=None if available is None else available.tolist(),
            gap_fte=None if gap is None else gap.tolist(),
            workforce_invented=bool(staff is not None and staff.invented),
            workforce_source=staff.source if staff is not None else None))
    mantelzorg = dm.mantelzorg_potential(joined)
    return OutlookOut(
        area_code=inputs.area_code, area_name=inputs.area_name, years=years, scenario=key,
        scenario_name=name, levers=LeversIn(**asdict(levers)), method=METHOD,
        assumptions=[*projections[0].assumptions, *ASSUMPTIONS],
        population=joined.total().tolist(), aged_65_plus=joined.aged(65).tolist(),
        aged_80_plus=joined.aged(80).tolist(),
        mantelzorg_potential=[None if v != v else float(v) for v in mantelzorg],
        sectors=sectors, gap_fte_total=gap_total.tolist(),
        population_source=inputs.projections.population_source)


ASSUMPTIONS = (
    "Care use per person of a given sex and age stays at the rate of the source year.",
    "Vektis costs stand for volume (2015 prices); the index does not depend on prices.",
    "Staff figures not entered by the region are invented demo figures per 1,000 inhabitants.",
    "Lever effects grow linearly from 2024 to their full size in 2030.",
    "Care moved from the hospital to the first line (substitution) costs a quarter there.",
)


def outlook(session: Session, data: OutlookIn, project: Projector | None = None) -> OutlookOut:
    """Demand per sector, workforce and zorgkloof of one area and scenario. Writes nothing."""
    key, name, levers = levers_of(data.scenario, data.levers)
    return compute(Inputs(session, data, project), key, name, levers)

