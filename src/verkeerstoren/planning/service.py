"""Bed planning (S3): the beds a bed type needs in an area for an admission guarantee.

Inputs come from what the tower observed (``observed.py``) unless the user enters them; the
Erlang loss model (``erlang.py``) gives the beds per guarantee, and the seeded simulation
(``simulation.py``) checks the formula at the chosen number of beds with the observed weekday
pattern, which the formula cannot represent.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.planning import defaults, erlang, observed, simulation
from verkeerstoren.planning.schemas import (
    STANDARD_GUARANTEES,
    BedPlanIn,
    BedPlanOut,
    GuaranteeOut,
    ObservedOut,
    SimulationOut,
)
from verkeerstoren.region_time import today
from verkeerstoren.registry.models import BedType, Gemeente, Region

METHOD = (
    "Erlang loss model (Poisson arrivals, any stay distribution with this mean); checked by a "
    "seeded SimPy simulation with the observed weekday pattern and lognormal stays."
)


def _area_name(session: Session, plan: BedPlanIn) -> str:
    if plan.gemeente_code is not None:
        gemeente = session.get(Gemeente, plan.gemeente_code)
        if gemeente is None:
            raise ValidationProblem("gemeente_code", "Unknown municipality {code}.",
                                    params={"code": plan.gemeente_code})
        return gemeente.name
    if plan.region_id is not None:
        region = session.get(Region, plan.region_id)
        if region is None:
            raise ValidationProblem("region_id", "Unknown region {id}.",
                                    params={"id": plan.region_id})
        return region.name
    return "Alle regio's"


def _guarantee(found: erlang.BedsNeeded) -> GuaranteeOut:
    return GuaranteeOut(guarantee_percent=round(found.guarantee * 100, 3), beds=found.beds,
                        admitted_percent=found.admitted * 100,
                        occupancy_percent=found.occupancy * 100)


def plan_beds(session: Session, plan: BedPlanIn) -> BedPlanOut:
    """The beds needed, with the inputs used and where each came from."""
    bed_type = session.get(BedType, plan.bed_type)
    if bed_type is None:
        raise ValidationProblem("bed_type", "Unknown bed type {code}.",
                                params={"code": plan.bed_type})
    area_name = _area_name(session, plan)
    area = observed.Area(region_id=plan.region_id, gemeente_code=plan.gemeente_code)
    seen = observed.observe(session, plan.bed_type, area, end=today(), days=plan.window_days)
    chosen_inputs = defaults.choose(session, plan.bed_type, area, seen, plan.arrivals_per_day,
                                    plan.mean_stay_days)
    arrivals = chosen_inputs.arrivals_per_day or 0.0
    stay = chosen_inputs.mean_stay_days
    if arrivals <= 0:
        raise ValidationProblem(
            "arrivals_per_day",
            "Too few requests for this bed type in the area to estimate from, and no beds of "
            "it in the registry; enter the arrivals per day.")
    if stay is None:
        raise ValidationProblem(
            "mean_stay_days",
            "No reported occupancy for this bed type in the area; enter the mean length of "
            "stay.")
    load = arrivals * stay
    chosen = erlang.beds_needed(load, plan.guarantee_percent / 100)
    levels = sorted({*STANDARD_GUARANTEES, plan.guarantee_percent})
    result: SimulationOut | None = None
    if plan.simulate_years:
        pattern = seen.weekday_pattern or (1.0,) * simulation.WEEKDAYS
        ward = simulation.Ward(beds=max(chosen.beds, 1), arrivals_per_day=arrivals,
                               mean_stay_days=stay, stay_cv=plan.stay_cv,
                               weekday_pattern=pattern, overflow_beds=plan.overflow_beds)
        run = simulation.simulate(ward, days=plan.simulate_years * 365)
        result = SimulationOut(
            years=plan.simulate_years, seed=run.seed, beds=ward.beds,
            overflow_beds=ward.overflow_beds, arrivals=run.arrivals, refused=run.refused,
            overflowed=run.overflowed, blocking_percent=run.blocking * 100,
            ward_full_percent=run.ward_full * 100,
            erlang_percent=erlang.blocking(load, ward.beds) * 100,
            weekday_pattern=list(pattern),
            blocking_by_weekday_percent=[None if b is None else b * 100
                                         for b in run.blocking_by_weekday])
    return BedPlanOut(
        bed_type=bed_type.code, bed_type_name=bed_type.name, area=area_name, method=METHOD,
        arrivals_per_day=arrivals,
        arrivals_source=defaults.source(chosen_inputs.arrivals_source),
        mean_stay_days=stay,
        stay_source=defaults.source(chosen_inputs.stay_source),
        offered_load=load,
        thin_history=chosen_inputs.thin, history_days=chosen_inputs.history_days,
        registered_beds=chosen_inputs.registered_beds,
        default_stay_days=defaults.DEFAULT_STAY_DAYS.get(plan.bed_type,
                                                         defaults.FALLBACK_STAY_DAYS)
        if chosen_inputs.stay_source == "default" or chosen_inputs.arrivals_source == "default"
        else None,
        inputs_note=defaults.note_text(chosen_inputs, seen, plan.window_days),
        observed=ObservedOut(
            start=seen.start.isoformat(), end=seen.end.isoformat(), requests=seen.requests,
            arrivals_per_day=seen.arrivals_per_day,
            weekday_pattern=list(seen.weekday_pattern) if seen.weekday_pattern else None,
            mean_occupied=seen.mean_occupied, mean_stay_days=seen.mean_stay_days,
            units=seen.units),
        chosen=_guarantee(chosen),
        guarantees=[_guarantee(erlang.beds_needed(load, level / 100)) for level in levels],
        simulation=result,
    )
