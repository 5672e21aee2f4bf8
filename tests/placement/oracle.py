"""A plain-Python reading of the matching rules that the tests hold the SQL survey against."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from verkeerstoren.placement.matching import Exclusion, Rule


def broken_rules(exclusion: Exclusion) -> frozenset[Rule]:
    """The rules one excluded unit breaks, read from its reasons."""
    return frozenset(r.rule for r in exclusion.reasons if r.rule is not None)


def exclusion_counts(excluded: Iterable[Exclusion]) -> dict[Rule, int]:
    """How many excluded units break each rule (a unit breaking two rules counts under both)."""
    counts: Counter[Rule] = Counter()
    for exclusion in excluded:
        counts.update(broken_rules(exclusion))
    return {rule: counts[rule] for rule in Rule if counts[rule]}
