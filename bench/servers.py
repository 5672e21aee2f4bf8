"""Fresh benchmark databases and real app servers (``verkeerstoren serve``) in subprocesses."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from sqlalchemy import create_engine, text

PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def machine() -> str:
    """The machine for a result's header: figures differ between machines of the same kind
    (2026-11-24's AMD EPYC ran the same code about twice as fast as the day before's)."""
    model = "unknown CPU"
    # Not Linux: the header just says "unknown CPU".
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        model = next((line.split(":", 1)[1].strip() for line in info
                      if line.startswith("model name")), model)
    return (f"{os.cpu_count()} cores (`nproc`), {platform.machine()}, {model}, "
            f"Python {platform.python_version()}")


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A new empty database URL (SQLite file under /tmp, or a PostgreSQL database); removed."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="vt-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.db'}"
        finally:
            for path in folder.glob("*"):
                path.unlink()
            folder.rmdir()
        return
    name = f"vt_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_SERVER.rsplit("/", 1)[0].replace("+psycopg", "") + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def app_servers(url: str, count: int, log_dir: Path,
                settings: Mapping[str, str] | None = None, *,
                workers: int = 1) -> Iterator[list[str]]:
    """``count`` app processes on one database; yields their base URLs. ``settings``: more
    environment variables (``VERKEERSTOREN_…``) for them. ``workers``: each server runs as
    ``serve --workers N`` (N uvicorn processes behind one port; PostgreSQL only)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERKEERSTOREN_")}
    env.update({"VERKEERSTOREN_DATABASE_URL": url, "VERKEERSTOREN_PULL_ENABLED": "false",
                **(settings or {})})
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    logs: list[BinaryIO] = []
    try:
        for index in range(count):
            port = _free_port()
            log = (log_dir / f"server-{index}.log").open("wb")
            logs.append(log)
            processes.append(subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
                [sys.executable, "-m", "verkeerstoren", "serve", "--port", str(port),
                 *(["--workers", str(workers)] if workers > 1 else [])],
                env=env, stdout=log, stderr=subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{port}")
        for base, process in zip(bases, processes, strict=True):
            deadline = time.monotonic() + 240  # a loaded machine starts slowly
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server {base} did not start; see {log_dir}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=10).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for opened in logs:
            opened.close()


def run_workers(target: Callable[..., None], url: str, jobs: Sequence[Any], workers: int,
                seconds: float) -> tuple[float, list[Any]]:
    """Spawn ``workers`` processes on disjoint slices of ``jobs``, start them together.

    ``target(url, jobs, start_barrier, seconds, out_queue)`` works until its time is up and
    puts one result on the queue. Returns (seconds from the common start to the last result,
    the results).
    """
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(workers + 1)
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, jobs[w::workers], start, seconds, out))
             for w in range(workers)]
    for proc in procs:
        proc.start()
    start.wait(timeout=300)
    began = time.perf_counter()
    results = [out.get(timeout=seconds + 300) for _ in procs]
    elapsed = time.perf_counter() - began
    for proc in procs:
        proc.join(timeout=30)
    return elapsed, results
