"""Region view of waits: share within the Treeknorm per sector, and the trend (Polars)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from verkeerstoren.opendata.models import DataSet, ExternalWait
from verkeerstoren.waiting_times import norms
from verkeerstoren.waiting_times.models import WaitReport
from verkeerstoren.waiting_times.service import Wait, current_waits


@dataclass(frozen=True)
class Share:
    """How many providers in a sector meet the Treeknorm with all their current waits."""

    sector: str
    providers: int
    providers_within: int
    entries: int
    entries_within: int
    sources: str

    @property
    def share_within(self) -> float | None:
        return None if not self.providers else 100.0 * self.providers_within / self.providers


def _frame(waits: list[Wait]) -> pl.DataFrame:
    return pl.DataFrame(
        [(w.sector, w.provider, w.status.value, w.source) for w in waits
         # An aanmeldstop counts as not within: a provider that takes nobody is no better than
         # one over the norm, and leaving it out would flatter the share (NZa).
         if w.status in (norms.Status.WITHIN, norms.Status.OVER, norms.Status.CLOSED)],
        schema={"sector": pl.String, "provider": pl.String, "status": pl.String,
                "source": pl.String}, orient="row")


def shares(session: Session, gemeenten: list[str] | None,
           waits: list[Wait] | None = None) -> list[Share]:
    """Per sector: providers whose every current wait is within the norm, out of all providers
    with a known wait (the programme's goal: waits meet the Treeknormen). Pass ``waits`` when
    the caller already has the region's current waits (unfiltered by sector)."""
    if waits is None:
        waits = current_waits(session, gemeenten=gemeenten)
    frame = _frame(waits)
    per_provider = frame.group_by("sector", "provider").agg(
        (pl.col("status") == "within").all().alias("ok"),
        pl.len().alias("n"), (pl.col("status") == "within").sum().alias("n_ok"),
        pl.col("source").unique().sort().str.join(", ").alias("src"))
    per_sector = {r["sector"]: r for r in per_provider.group_by("sector").agg(
        pl.len().alias("providers"), pl.col("ok").sum().alias("within"),
        pl.col("n").sum().alias("entries"), pl.col("n_ok").sum().alias("entries_within"),
        pl.col("src").unique().sort().str.join(", ").alias("sources")).iter_rows(named=True)}
    result = []
    for sector in norms.SECTORS:
        r = per_sector.get(sector)
        result.append(Share(sector, int(r["providers"]) if r else 0,
                            int(r["within"]) if r else 0, int(r["entries"]) if r else 0,
                            int(r["entries_within"]) if r else 0, r["sources"] if r else ""))
    return result


@dataclass(frozen=True)
class TrendPoint:
    """The median waits of one sector in one period (a month of reports or an NZa collection)."""

    period: str
    sector: str
    source: str
    median_intake: float | None
    median_treatment: float | None
    entries: int


def trend(session: Session, gemeenten: list[str] | None) -> list[TrendPoint]:
    """Median intake and treatment waits per sector over time, from every NZa collection
    loaded and from providers' reports per month."""
    rows: list[tuple[str, str, str, float | None, float | None]] = []
    query = select(DataSet.year, ExternalWait.sector, ExternalWait.intake_weeks,
                   ExternalWait.treatment_weeks).join(DataSet)
    if gemeenten is not None:
        query = query.where(ExternalWait.gemeente_code.in_(gemeenten))
    for year, sector, intake, treatment in session.execute(query):
        rows.append((str(year), sector, "NZa", intake, treatment))
    for measured, sector, intake, treatment in session.execute(
            select(WaitReport.measured_on, WaitReport.sector, WaitReport.intake_weeks,
                   WaitReport.treatment_weeks)):
        rows.append((measured.strftime("%Y-%m"), sector.value, "reported", intake, treatment))
    frame = pl.DataFrame(rows, schema={"period": pl.String, "sector": pl.String,
                                       "source": pl.String, "intake": pl.Float64,
                                       "treatment": pl.Float64}, orient="row")
    summary = frame.group_by("period", "sector", "source").agg(
        pl.col("intake").median(), pl.col("treatment").median(), pl.len().alias("n")
    ).sort("sector", "period")
    return [TrendPoint(r["period"], r["sector"], r["source"], r["intake"], r["treatment"], r["n"])
            for r in summary.iter_rows(named=True)]
