"""Percentiles in which every run counts (issue 18 item 5).

A benchmark that drops a run that failed or timed out reports a latency nobody saw: the worst
runs are the ones that disappear. Here a timed-out run stays in the samples at its time-out
(the least it would have taken) and a failed run at the time it took to fail; both are counted
in their own column, so a reader sees them beside the percentiles.

A p95 from a handful of runs is the maximum under another name (with 5 runs, numpy's p95 lies
between the two slowest). Below ``MIN_RUNS_FOR_P95`` runs a Figure therefore shows the maximum
instead and judges its target on that maximum, and says so.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# With 20 runs the 95th percentile is the 19th/20th value: the first count at which it is not
# simply the slowest run.
MIN_RUNS_FOR_P95 = 20


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks (numpy's default, Hyndman &
    Fan type 7); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Figure:
    """One measured quantity: its samples in milliseconds (every run), its target (p95)."""

    name: str
    samples: list[float] = field(default_factory=list)
    target_ms: float | None = None
    note: str = ""
    timeouts: int = 0  # runs that timed out: in ``samples`` at their time-out
    errors: int = 0  # runs that failed: in ``samples`` at the time they took

    def ok(self, ms: float) -> None:
        self.samples.append(ms)

    def timed_out(self, timeout_ms: float) -> None:
        """A run that got no answer in time counts, at the time-out."""
        self.samples.append(timeout_ms)
        self.timeouts += 1

    def failed(self, ms: float) -> None:
        """A run that failed counts, at the time it took to fail."""
        self.samples.append(ms)
        self.errors += 1

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def maximum(self) -> float:
        return max(self.samples) if self.samples else float("nan")

    @property
    def enough_for_p95(self) -> bool:
        return len(self.samples) >= MIN_RUNS_FOR_P95

    @property
    def judged(self) -> float:
        """What the target is judged on: the p95, or the maximum of too few runs."""
        return self.p95 if self.enough_for_p95 else self.maximum

    @property
    def met(self) -> bool | None:
        """None without a target; a run that failed or timed out misses it."""
        if self.target_ms is None:
            return None
        return self.judged <= self.target_ms and not self.timeouts and not self.errors

    def row(self) -> str:
        target = "" if self.target_ms is None else f"≤ {self.target_ms:.0f} ms"
        verdict = {None: "", True: "met", False: "**missed**"}[self.met]
        p95 = (f"{self.p95:.1f}" if self.enough_for_p95
               else f"max {self.maximum:.1f} (< {MIN_RUNS_FOR_P95} runs: no p95)")
        return (f"| {self.name} | {len(self.samples)} | {self.median:.1f} | {p95} "
                f"| {target} | {verdict} | {self.errors} / {self.timeouts} | {self.note} |")


HEADER = ("| measure | runs | median ms | p95 ms | target (p95) | | errors / time-outs | note |\n"
          "|---|---|---|---|---|---|---|---|")


def timed(fn: Callable[[], object], figure: Figure, runs: int, warmup: int = 2) -> Figure:
    """Run ``fn`` ``warmup`` times untimed, then ``runs`` times into ``figure``; a run that
    raises counts as failed at the time it took (the benchmark goes on)."""
    for _ in range(warmup):
        fn()
    for _ in range(runs):
        started = time.perf_counter()
        try:
            fn()
        except Exception:  # counted in the errors column, never dropped
            figure.failed((time.perf_counter() - started) * 1000)
        else:
            figure.ok((time.perf_counter() - started) * 1000)
    return figure


def summary(seconds: list[float], errors: int = 0, timeouts: int = 0) -> str:
    """"n=… median … ms, p95 … ms" for timings in seconds; with fewer than MIN_RUNS_FOR_P95 runs
    the maximum instead of a p95; failed and timed-out runs named when there were any."""
    ms = [s * 1000 for s in seconds]
    spread = (f"p95 {percentile(ms, 95):.0f} ms" if len(ms) >= MIN_RUNS_FOR_P95
              else f"max {max(ms, default=float('nan')):.0f} ms (< {MIN_RUNS_FOR_P95} runs: "
                   "no p95)")
    bad = f", {errors} failed, {timeouts} timed out (counted)" if errors or timeouts else ""
    median = statistics.median(ms) if ms else float("nan")
    return f"n={len(ms)} median {median:.0f} ms, {spread}{bad}"
