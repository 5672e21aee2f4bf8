"""How cost grows with the registry: the cold board and the ranked options at several sizes.

Run: ``.venv/bin/python -m bench.size_slope [--database postgresql]
[--locations 200 2000 20000] [--runs 20] [--budget 1500]``.

For each size a fresh database is built with ``bench.registry`` (10 units per location, as the
national registry of 2,000 locations / 20,000 units; COPY is used for report history, here
none: the board and the options read only the current bed states) and measured in process:

* the cold board of one region (``board.build`` + JSON, no cache; regions have ~80 locations
  at every size, so this is the figure a coordinator sees);
* the cold board of the whole country (``BoardFilter()`` without a region), fewer runs, only
  up to ``--national-up-to`` locations (at 2,000 one build already takes seconds);
* ``options_for()`` for one request (``bench.placement.options_figures``: varied requests,
  each in a new session; candidates are nationwide, so this grows with the registry).

``--budget``: seconds; a size is not started when the run has used more (said in the output).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.capacity import board_service
from bench.placement import options_figures
from bench.registry import build
from bench.servers import fresh_database, machine
from bench.stats import Figure, timed
from verkeerstoren.capacity.board import BoardFilter
from verkeerstoren.capacity.board import build as build_board
from verkeerstoren.runtime import install_hooks, settle_heap
from verkeerstoren.storage import Database, migrate
from verkeerstoren.storage.base import utcnow


def _national(db: Database, runs: int) -> Figure:
    def cold() -> None:
        with db.session() as session:
            build_board(session, BoardFilter(), now=utcnow()).json()

    return timed(cold, Figure("board, whole country, cold build + JSON"), runs, warmup=1)


def measure(kind: str, locations: int, runs: int,
            national_up_to: int) -> tuple[list[Figure], float, int]:
    with fresh_database(kind) as url:
        migrate.upgrade(url)
        db = install_hooks(Database(url))
        reg = build(db, locations=locations, units=10 * locations, reports=0)
        settle_heap()
        figures = board_service(db, 1, runs)[:1]
        if locations <= national_up_to:
            figures.append(_national(db, max(3, runs // 4)))
        figures.extend(options_figures(db, runs)[:1])
        db.dispose()
    return figures, reg.seconds, len(reg.keys)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.size_slope", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--locations", type=int, nargs="+", default=[200, 2000, 20_000])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--budget", type=float, default=1500)
    parser.add_argument("--national-up-to", type=int, default=2000,
                        help="measure the whole country's board only up to this size")
    args = parser.parse_args(argv)
    # Killed by a time-out: still drop the database (fresh_database's finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    command = ".venv/bin/python -m bench.size_slope " + " ".join(
        sys.argv[1:] if argv is None else argv)
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows = ["| locations / units | board rows (unit × bed type) | registry built in s | measure "
            "| runs | median ms | p95 ms | note |", "|---|---|---|---|---|---|---|---|"]
    for locations in args.locations:
        if time.perf_counter() - started > args.budget:
            rows.append(f"| {locations:,} / {10 * locations:,} | — | — | not run: the "
                        f"{args.budget:.0f} s budget was used up | | | | |")
            continue
        figures, seconds, keys = measure(args.database, locations, args.runs,
                                         args.national_up_to)
        for figure in figures:
            line = (f"| {locations:,} / {10 * locations:,} | {keys:,} | {seconds:.0f} | "
                    f"{figure.name} | {len(figure.samples)} | {figure.median:.1f} | "
                    f"{figure.p95:.1f} | {figure.note} |")
            rows.append(line)
            print(line, flush=True)
    text_out = "\n".join([
        f"### cost by registry size, {args.database} — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command}` · machine: {machine()} · whole run "
        f"{time.perf_counter() - started:.0f} s · load average (`uptime`) before "
        f"{' / '.join(f'{x:.1f}' for x in load_before)}, after "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (measured under load)",
        "", *rows, ""])
    print(text_out)
    folder = Path("var") / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"size-slope-{datetime.now(UTC):%Y%m%d-%H%M%S}.md").write_text(text_out)


if __name__ == "__main__":
    main()
