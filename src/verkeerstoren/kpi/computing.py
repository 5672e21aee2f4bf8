"""Computed indicators per period and area: the programme region, every region, every gemeente.

Area "" is the programme's region — the main goal's region, or every registered gemeente when it
has none — so a tower holding Haaglanden and Gooi never mixes them in the goal tree's figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.kpi import computed
from verkeerstoren.kpi.models import AreaKind, Goal, Indicator, Measurement, MeasurementSource
from verkeerstoren.kpi.periods import Period
from verkeerstoren.kpi.service import existing_measurements, require_edit
from verkeerstoren.registry.models import Gemeente, Region


def areas(session: Session) -> list[tuple[str, AreaKind, frozenset[str] | None]]:
    """The areas computed indicators are computed for: (area code, kind, gemeenten).

    Area "" is the programme's region — the main goal's region, or every registered gemeente
    when it has none — so a tower holding Haaglanden and Gooi never mixes them in the goal
    tree's figures. Then every region ("RG<id>") and every gemeente of a region.
    """
    by_region: dict[int, set[str]] = {}
    for code, region_id in session.execute(
            select(Gemeente.code, Gemeente.region_id).where(Gemeente.region_id.is_not(None))):
        if region_id is not None:
            by_region.setdefault(region_id, set()).add(code)
    main_region = session.scalar(select(Goal.region_id).where(Goal.parent_id.is_(None)))
    programme = frozenset(by_region.get(main_region, set())) if main_region is not None \
        else None
    result: list[tuple[str, AreaKind, frozenset[str] | None]] = [
        ("", AreaKind.REGION, programme or None)]
    for region_id, codes in sorted(by_region.items()):
        result.append((f"RG{region_id}", AreaKind.REGION, frozenset(codes)))
    for code in sorted(c for codes in by_region.values() for c in codes):
        result.append((code, AreaKind.GEMEENTE, frozenset({code})))
    return result


def area_names(session: Session, translate: Callable[..., str]) -> dict[str, str]:
    """Area code → name for the measurement tables: gemeenten and the regions ("RG<id>")."""
    names = {f"RG{i}": translate("Region {name}", name=n)
             for i, n in session.execute(select(Region.id, Region.name))}
    names.update({code: name for code, name in session.execute(
        select(Gemeente.code, Gemeente.name))})
    return names


def recompute(
    session: Session, actor: Actor, periods: Sequence[Period], *, is_demo: bool = False
) -> int:
    """(Re)compute every computed indicator for these periods and areas; returns the values
    written."""
    require_edit(actor)
    indicators = list(session.scalars(
        select(Indicator).where(Indicator.computed_key.is_not(None))))
    targets = areas(session)
    stored = existing_measurements(
        session, [(i.id, p.label, a) for i in indicators for p in periods for a, _k, _g in targets])
    keys = sorted({i.computed_key for i in indicators if i.computed_key})
    count = 0
    for period in periods:
        for area_code, area_kind, gemeenten in targets:
            results = computed.compute_all(session, keys, period, gemeenten)
            for indicator in indicators:
                assert indicator.computed_key is not None
                result = results[indicator.computed_key]
                old = stored.get((indicator.id, period.label, area_code))
                if result.value is None:
                    if old is not None and old.source is MeasurementSource.COMPUTED:
                        session.delete(old)
                    continue
                row = old or Measurement(indicator_id=indicator.id, period=period.label,
                                         area_code=area_code, area_kind=area_kind)
                row.period_start, row.period_end = period.start, period.end
                row.value, row.narrative = result.value, None
                row.source, row.recorded_by = MeasurementSource.COMPUTED, actor.label
                row.source_rows = {"table": result.table, "ids": result.ids}
                row.details = dict(result.details)
                row.is_demo = is_demo
                session.add(row)
                count += 1
    session.flush()
    return count
