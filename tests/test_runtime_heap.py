"""The server's heap settings, read from a fresh interpreter (the test process keeps its own)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_settle_heap_freezes_the_start_up_heap_and_collects_the_young_generation_less_often(
) -> None:
    probe = ("import gc, json; from verkeerstoren.runtime import settle_heap; "
             "before = gc.get_threshold(); settle_heap(); "
             "print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count()]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120)
    before, after, frozen = json.loads(out.stdout)
    assert before[0] == 700  # CPython's default, so the change below is ours
    assert after[0] >= 10 * before[0]
    assert frozen > 1000  # the modules and everything they made at import
