"""The Erlang loss model (Erlang B): the share of patients refused when ``beds`` beds serve a
Poisson stream of admissions with ``load`` = arrivals per day × mean stay in days (the offered
load in erlangs, i.e. the mean number of beds the patients would occupy if none were refused).

The blocking probability does not depend on the shape of the stay distribution, only on its
mean (the model is insensitive), which is why one formula serves wards whose stays are far from
exponential; the seeded simulation in ``simulation.py`` checks this and shows what the formula
cannot (weekday peaks). We use the recursion B(0) = 1, B(n) = a·B(n-1) / (n + a·B(n-1)): it
never forms a! or aⁿ, so it stays exact to rounding for thousands of beds where the textbook
quotient overflows.
"""

from __future__ import annotations

from dataclasses import dataclass

from verkeerstoren.errors import ValidationProblem

# Above this many beds a planning question is out of the region's scale; it also bounds the
# work of the search below (one multiplication per bed).
MAX_BEDS = 100_000


def blocking(load: float, beds: int) -> float:
    """Erlang B: the probability that an arriving patient finds all ``beds`` beds occupied."""
    if load < 0:
        raise ValidationProblem("load", "The offered load cannot be negative.")
    if beds < 0:
        raise ValidationProblem("beds", "The number of beds cannot be negative.")
    b = 1.0
    for n in range(1, beds + 1):
        b = load * b / (n + load * b)
    return b


@dataclass(frozen=True)
class BedsNeeded:
    """The smallest number of beds that meets a guarantee, and what it achieves."""

    guarantee: float  # the asked share of patients admitted, e.g. 0.95
    beds: int
    admitted: float  # 1 - blocking at that number of beds (≥ guarantee)
    occupancy: float  # mean share of those beds in use: load × admitted / beds


def beds_needed(load: float, guarantee: float) -> BedsNeeded:
    """The fewest beds for which at least ``guarantee`` of the patients find a bed.

    A guarantee of 100 % cannot be met with finitely many beds (the blocking probability is
    positive for every n when the load is positive), so it is refused rather than approximated.
    """
    if not 0 < guarantee < 1:
        raise ValidationProblem(
            "guarantee",
            "An admission guarantee must lie between 0 and 100 % (100 % is not reachable with "
            "a finite number of beds).")
    if load < 0:
        raise ValidationProblem("load", "The offered load cannot be negative.")
    if load == 0:
        return BedsNeeded(guarantee, 0, 1.0, 0.0)
    b = 1.0
    n = 0
    while b > 1 - guarantee:
        n += 1
        if n > MAX_BEDS:
            raise ValidationProblem("load", "More than {max} beds would be needed.",
                                        params={"max": MAX_BEDS})
        b = load * b / (n + load * b)
    return BedsNeeded(guarantee, n, 1 - b, load * (1 - b) / n)


def curve(load: float, beds_from: int, beds_to: int) -> list[tuple[int, float]]:
    """(beds, blocking) for every number of beds in the range, in one pass of the recursion."""
    b = 1.0
    points: list[tuple[int, float]] = []
    for n in range(1, beds_to + 1):
        b = load * b / (n + load * b)
        if n >= beds_from:
            points.append((n, b))
    return points
