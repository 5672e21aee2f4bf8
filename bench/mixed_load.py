"""The load generators of ``bench.mixed``: each runs in its own process, on its own event loop.

* :func:`reporter`: units report their beds at a fixed arrival rate (open loop);
* :func:`coordinator`: requests arrive at each step's reservation rate (open loop); each is
  created, matched (ranked options) and a bed reserved; the provider of the held bed answers
  (accept or decline) a few seconds later;
* :func:`boards`: open boards on the event stream (an asyncio protocol per stream, HTTP/1.0,
  parsed by httptools, so that one process can read a thousand streams), timing each report's
  event from the moment the reporter sent the report.

The HTTP clients are lean (``bench.lean_http``): the generator shares the 2 cores with the app.

Open loop: a request is sent at its scheduled moment whether or not earlier ones have been
answered, and its latency counts from that moment (a generator that falls behind adds its lag,
which is measured apart as ``lag``). Every request has a time-out; a timed-out request is an
error and counts with the time-out as its latency, never dropped from the percentiles.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import json
import os
import queue as queue_mod
import random
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httptools
import uvloop

from bench.lean_http import Answer, LeanClient
from verkeerstoren.placement.matching import FINANCING
from verkeerstoren.registry.reference import BED_TYPES

T = TypeVar("T")

# Outcome of one request: (kind, step, latency s, outcome), outcome "ok", "conflict" (409 on a
# reservation: someone was first, a domain answer), "refused" (another 4xx the load provoked)
# or "error" (5xx, time-out, connection failure).
Sample = tuple[str, int, float, str]


@dataclass(frozen=True)
class Plan:
    """The run's schedule, shared by every generator (wall-clock seconds, ``time.time()``)."""

    start: float  # the first scheduled request (warm-up begins)
    warmup: float
    step_seconds: float
    rates: tuple[float, ...]  # reservations per second, one step each
    report_rate: float
    timeout: float

    @property
    def end(self) -> float:
        return self.start + self.warmup + self.step_seconds * len(self.rates)

    def step_of(self, at: float) -> int:
        """The step a moment belongs to; -1 in the warm-up, len(rates) after the end."""
        if at < self.start + self.warmup:
            return -1
        return min(len(self.rates), int((at - self.start - self.warmup) // self.step_seconds))

    def rate_at(self, at: float) -> float:
        step = self.step_of(at)
        return self.rates[0] if step < 0 else self.rates[min(step, len(self.rates) - 1)]


def _outcome(answer: Answer | None, expected: int) -> str:
    if answer is None:
        return "error"
    if answer.status_code == expected:
        return "ok"
    if answer.status_code == 409:
        return "conflict"
    return "refused" if 400 <= answer.status_code < 500 else "error"


@dataclass
class _Recorder:
    plan: Plan
    samples: list[Sample] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    lag: list[tuple[int, float]] = field(default_factory=list)  # (step, sent − scheduled s)

    under_way: dict[int, tuple[str, float]] = field(default_factory=dict)

    def give_up(self) -> None:
        """Requests still under way when the generator stops count as timed-out errors."""
        for kind, scheduled in self.under_way.values():
            self.statuses[f"{kind} unfinished at the end"] += 1
            self.samples.append((kind, self.plan.step_of(scheduled),
                                 max(self.plan.timeout, time.time() - scheduled), "error"))
        self.under_way.clear()

    async def call(self, client: LeanClient, kind: str, scheduled: float, method: str,
                   url: str, expected: int, **kwargs: Any) -> Answer | None:
        """One timed request; latency from its scheduled moment, time-outs included."""
        token = object()
        self.under_way[id(token)] = (kind, scheduled)
        try:
            return await self._call(client, kind, scheduled, method, url, expected, **kwargs)
        finally:
            self.under_way.pop(id(token), None)

    async def _call(self, client: LeanClient, kind: str, scheduled: float, method: str,
                    url: str, expected: int, **kwargs: Any) -> Answer | None:
        started = time.time()
        self.lag.append((self.plan.step_of(scheduled), started - scheduled))
        answer: Answer | None = None
        # Not wait_for: it waits for the cancelled request to wind down. The time-out is noted
        # at its moment; the cancelled request closes its connection in the background.
        task = asyncio.ensure_future(client.request(method, url, **kwargs))
        done, _ = await asyncio.wait({task}, timeout=self.plan.timeout)
        latency = time.time() - scheduled
        if not done:
            task.cancel()
            task.add_done_callback(_forget)
            self.statuses[f"{kind} time-out"] += 1
        elif (exc := task.exception()) is not None:
            self.statuses[f"{kind} {type(exc).__name__}"] += 1
        else:
            answer = task.result()
            self.statuses[f"{kind} {answer.status_code}"] += 1
        self.samples.append((kind, self.plan.step_of(scheduled), latency,
                             _outcome(answer, expected)))
        return answer


async def _finish(tasks: set[asyncio.Task[None]], plan: Plan, rec: _Recorder) -> None:
    """Wait for the last requests (answers are scheduled up to 4 s after a hold), bounded:
    what is still under way then is counted as an error by ``give_up``."""
    deadline = plan.end + 2 * plan.timeout + 5
    while tasks and time.time() < deadline:
        await asyncio.wait(list(tasks), timeout=max(0.1, deadline - time.time()))
    rec.give_up()


def _exit_after(out: Any, item: tuple[Any, ...], *others: Any) -> None:
    """Hand in the figures and end the process at once: the requests and connections still
    open are not wound down one by one (on a loaded machine that took minutes), and queues
    another process stopped reading must not hold the exit."""
    for other in others:
        other.cancel_join_thread()
    out.put(item)
    out.close()
    out.join_thread()
    os._exit(0)


def _run(main: Coroutine[Any, Any, T]) -> T:
    """``main`` on a new loop; unlike asyncio.run, the tasks it leaves are not wound down
    (the process ends right after: ``_exit_after``).

    uvloop, as the server uses (uvicorn picks it): the generator shares the 2 cores with the
    app it loads, and the clients it stands in for run elsewhere; every CPU-second it spends
    is taken from the app."""
    return uvloop.new_event_loop().run_until_complete(main)


def _forget(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a late failure of a request already counted


async def _sleep_until(at: float) -> None:
    delay = at - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


# ---- reports ----------------------------------------------------------------------------------

async def _report_loop(plan: Plan, base: str, units: list[tuple[int, list[tuple[str, int]]]],
                       tokens: dict[int, str], org_of_unit: dict[int, int], sent: Any,
                       seed: int) -> _Recorder:
    rec = _Recorder(plan)
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark input
    order = list(range(len(units)))
    rng.shuffle(order)
    tasks: set[asyncio.Task[None]] = set()
    # No queue in the client: an open-loop request goes at once, on a connection of its own.
    client = LeanClient(base, keep_alive=False)

    async def one(n: int, at: float) -> None:
        unit_id, rows = units[order[n % len(order)]]
        body = {"reports": [
            # Occupied at most half: room for the holds the coordinators place meanwhile
            # (a report that leaves no room for them is refused, 422).
            {"unit_id": unit_id, "bed_type_code": code, "staffed": physical,
             "occupied": rng.randint(0, physical // 2), "blocked": 0}
            for code, physical in rows]}
        await _sleep_until(at)
        sent.put(([[unit_id, code] for code, _ in rows], time.time(), unit_id))
        await rec.call(client, "report", at, "POST", "/api/v1/availability/bulk", 201,
                       json_body=body, headers={
                           "Authorization": f"Bearer {tokens[org_of_unit[unit_id]]}"})

    n = 0
    while True:
        at = plan.start + n / plan.report_rate
        if at >= plan.end:
            break
        # Launched a little ahead of time, so that the send itself is on schedule.
        await _sleep_until(at - 0.05)
        task = asyncio.create_task(one(n, at))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
    await _finish(tasks, plan, rec)
    return rec


def reporter(base: str, units: list[tuple[int, list[tuple[str, int]]]],
             tokens: dict[int, str], org_of_unit: dict[int, int], sent: Any, ready: Any,
             plans: Any, out: Any) -> None:
    """Process target: reports at ``plan.report_rate`` until the end; puts its result."""
    ready.put("reporter")
    plan: Plan = plans.get()
    faulthandler.dump_traceback_later(plan.end + plan.timeout + 60 - time.time(), exit=False)
    rec = _run(_report_loop(plan, base, units, tokens, org_of_unit, sent, 7))
    _exit_after(out, ("reporter", rec.samples, dict(rec.statuses), rec.lag,
                      time.process_time()), sent)


# ---- coordinators and providers ---------------------------------------------------------------

CODES = [code for code, _, _ in BED_TYPES]


def _request_body(rng: random.Random, n: int) -> dict[str, object]:
    code = rng.choice(CODES)
    return {"pseudonym": f"mixed-{n:07d}", "birth_year": 1940, "sex": "f",
            "postcode_area": rng.randint(1000, 9999), "referrer_name": "Dr. Mixed",
            "bed_types": [code], "wanted_start": datetime.now(UTC).date().isoformat(),
            "financing": sorted(FINANCING[code])[0], "urgency": "today"}


async def _coordinate(plan: Plan, base: str, coordinator_token: str,
                      tokens: dict[int, str], seed: int) -> tuple[_Recorder, Counter[str]]:
    rec = _Recorder(plan)
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark input
    notes: Counter[str] = Counter()
    tasks: set[asyncio.Task[None]] = set()
    auth = {"Authorization": f"Bearer {coordinator_token}"}
    client = LeanClient(base)

    async def answer(reservation: dict[str, Any], at: float, accept: bool) -> None:
        await _sleep_until(at)
        token = tokens[reservation["organisation_id"]]
        path = f"/api/v1/placement/reservations/{reservation['id']}/"
        got = await rec.call(
            client, "answer", at, "POST", path + ("accept" if accept else "decline"), 200,
            json_body={} if accept else {"reason": "geen plek voor deze zorgvraag"},
            headers={"Authorization": f"Bearer {token}"})
        notes["accepted" if accept else "declined"] += got is not None and (
            got.status_code == 200)

    async def one(n: int, at: float) -> None:
        body = _request_body(rng, n)
        await _sleep_until(at)
        made = await rec.call(client, "request", at, "POST", "/api/v1/placement/requests",
                              201, json_body=body, headers=auth)
        if made is None or made.status_code != 201:
            return
        rid = made.json()["id"]
        now = time.time()
        found = await rec.call(client, "options", now, "GET",
                               f"/api/v1/placement/requests/{rid}/options", 200,
                               headers=auth)
        if found is None or found.status_code != 200:
            return
        options = found.json()["options"]
        if not options:
            notes["no option"] += 1
            return
        # The coordinator picks among the best few; on a 409 (someone was first) the next.
        picks = options[:5]
        rng.shuffle(picks)
        for option in picks[:3]:
            now = time.time()
            held = await rec.call(
                client, "reserve", now, "POST",
                f"/api/v1/placement/requests/{rid}/reservations", 201,
                json_body={"unit_id": option["unit_id"],
                      "bed_type_code": option["bed_type_code"]}, headers=auth)
            if held is None or held.status_code not in (201, 409):
                return
            if held.status_code == 201:
                notes["reserved"] += 1
                at_answer = time.time() + rng.uniform(1.0, 4.0)
                if at_answer < plan.end:
                    task = asyncio.create_task(answer(held.json(), at_answer,
                                                      rng.random() < 0.75))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                return
        notes["gave up after 409s"] += 1

    n = 0
    at = plan.start
    while at < plan.end:
        await _sleep_until(at - 0.05)
        task = asyncio.create_task(one(n, at))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
        # Evenly spaced arrivals at the rate of the step this one falls in.
        at += 1 / plan.rate_at(at)
    await _finish(tasks, plan, rec)
    return rec, notes


def coordinator(base: str, coordinator_token: str, tokens: dict[int, str], ready: Any,
                plans: Any, out: Any) -> None:
    """Process target: the coordinators' and providers' work; puts its result."""
    ready.put("coordinator")
    plan: Plan = plans.get()
    faulthandler.dump_traceback_later(plan.end + plan.timeout + 60 - time.time(), exit=False)
    rec, notes = _run(_coordinate(plan, base, coordinator_token, tokens, 11))
    _exit_after(out, ("coordinator", rec.samples, {
        **rec.statuses, **{f"note: {k}": v for k, v in notes.items()}}, rec.lag,
        time.process_time()))


# ---- boards on the event stream ---------------------------------------------------------------

_KEYS = re.compile(rb'"keys": (\[\[[^\]]*\](?:, \[[^\]]*\])*\])')


@dataclass
class _Pending:
    sent: float
    step: int
    region: int
    arrivals: dict[int, float] = field(default_factory=dict)  # stream → first arrival
    with_rows: set[int] = field(default_factory=set)  # streams whose arrival carried rows


@dataclass
class _Boards:
    plan: Plan
    region_of_stream: list[int]
    region_of_unit: dict[int, int]
    pending: dict[tuple[int, str], _Pending] = field(default_factory=dict)
    recent: dict[tuple[int, str], deque[tuple[float, int, bool]]] = field(
        default_factory=lambda: defaultdict(lambda: deque(maxlen=64)))
    connected: set[int] = field(default_factory=set)
    frames: Counter[int] = field(default_factory=Counter)  # per step: frames received
    foreign: Counter[int] = field(default_factory=Counter)  # … about another region's rows
    errors: Counter[str] = field(default_factory=Counter)
    done: list[tuple[int, int, int, float, list[float], int]] = field(default_factory=list)
    _by_region: dict[int, list[int]] = field(default_factory=dict)

    def streams_of(self, region: int) -> list[int]:
        found = self._by_region.get(region)
        if found is None:
            found = self._by_region[region] = [
                s for s, r in enumerate(self.region_of_stream) if r == region]
        return found

    def arrive(self, stream: int, keys: list[tuple[int, str]], rows: bool, at: float) -> None:
        step = self.plan.step_of(at)
        self.frames[step] += 1
        if self.region_of_unit.get(keys[0][0]) != self.region_of_stream[stream]:
            self.foreign[step] += 1
        for key in keys:
            self.recent[key].append((at, stream, rows))
            found = self.pending.get(key)
            if found is not None and stream not in found.arrivals and at >= found.sent:
                found.arrivals[stream] = at
                if rows:
                    found.with_rows.add(stream)

    def expect(self, keys: list[tuple[int, str]], sent: float, unit_id: int) -> None:
        entry = _Pending(sent, self.plan.step_of(sent), self.region_of_unit[unit_id])
        for key in keys:
            self.pending[key] = entry
            for at, stream, rows in self.recent.get(key, ()):  # arrived before we heard
                if at >= sent and stream not in entry.arrivals:
                    entry.arrivals[stream] = at
                    if rows:
                        entry.with_rows.add(stream)

    def settle(self, now: float, final: bool = False) -> None:
        """Close the reports whose time-out has passed (or all, at the end)."""
        for key, entry in list(self.pending.items()):
            if final or now > entry.sent + self.plan.timeout:
                self.pending.pop(key)
                if any(e is entry for e in self.pending.values()):
                    continue  # the unit's other bed type still points at it
                expected = [s for s in self.streams_of(entry.region) if s in self.connected]
                delays = [entry.arrivals[s] - entry.sent for s in expected
                          if s in entry.arrivals]
                # A board that never got the event counts with the time-out.
                delays += [self.plan.timeout] * (len(expected) - len(delays))
                self.done.append((entry.step, len(expected),
                                  sum(s in entry.arrivals for s in expected),
                                  max(delays, default=0.0), delays,
                                  len(entry.with_rows.intersection(expected))))


class _BoardStream(asyncio.Protocol):
    """One board's event stream: httptools takes the chunks apart, each frame is timed."""

    def __init__(self, state: _Boards, stream: int) -> None:
        self.state, self.stream = state, stream
        self.parser = httptools.HttpResponseParser(self)
        self.buffer = b""
        self.transport: asyncio.BaseTransport | None = None
        loop = asyncio.get_running_loop()
        self.status: asyncio.Future[int] = loop.create_future()
        self.closed: asyncio.Future[str] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._end(type(exc).__name__)

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(type(exc).__name__ if exc else "closed by the server")

    def on_headers_complete(self) -> None:
        if not self.status.done():
            self.status.set_result(self.parser.get_status_code())

    def on_message_complete(self) -> None:
        self._end("ended by the server")

    def on_body(self, body: bytes) -> None:
        at = time.time()
        self.buffer += body
        while (end := self.buffer.find(b"\n\n")) >= 0:
            frame, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            if not frame.startswith(b"event: availability\n"):
                continue
            found = _KEYS.search(frame)
            if found is None:
                continue
            keys = [(int(u), str(c)) for u, c in json.loads(found.group(1))]
            self.state.arrive(self.stream, keys, b'"rows": "' in frame, at)

    def _end(self, why: str) -> None:
        if not self.status.done():
            self.status.set_exception(ConnectionResetError(why))
        if not self.closed.done():
            self.closed.set_result(why)
        if self.transport is not None:
            self.transport.close()


async def _stream(state: _Boards, stream: int, host: str, port: int, token: str,
                  stop: asyncio.Event) -> None:
    region = state.region_of_stream[stream]
    request = (f"GET /board/events?region_id={region} HTTP/1.0\r\nHost: {host}\r\n"
               f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            transport, board = await asyncio.wait_for(loop.create_connection(
                lambda: _BoardStream(state, stream), host, port), 30)
        except (OSError, TimeoutError) as exc:
            state.errors[f"connect {type(exc).__name__}"] += 1
            await asyncio.sleep(1)
            continue
        try:
            transport.write(request)
            status = await asyncio.wait_for(board.status, 30)
            if status != 200:
                state.errors[f"status {status}"] += 1
                await asyncio.sleep(1)
                continue
            state.connected.add(stream)
            why = await board.closed
            if not stop.is_set():
                state.errors[f"stream {why}"] += 1
                state.connected.discard(stream)
        except (OSError, TimeoutError) as exc:
            if not stop.is_set():
                state.errors[f"stream {type(exc).__name__}"] += 1
                state.connected.discard(stream)
        finally:
            transport.close()


async def _boards(base: str, token: str, streams: int, regions: list[int],
                  region_of_unit: dict[int, int], sent: Any, ready: Any, plans: Any,
                  out: Any) -> None:
    region_of_stream = [regions[s % len(regions)] for s in range(streams)]
    # The schedule is made once every board is connected: a placeholder until then.
    state = _Boards(Plan(time.time() + 1e9, 0, 1, (1.0,), 1, 10), region_of_stream,
                    region_of_unit)
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_stream(state, s, host, port, token, stop))
             for s in range(streams)]
    deadline = time.time() + 120
    while len(state.connected) < streams and time.time() < deadline:
        await asyncio.sleep(0.1)
    ready.put(len(state.connected))
    plan: Plan = await asyncio.get_running_loop().run_in_executor(None, plans.get)
    state.plan = plan
    # Where it is, should it still run a minute after it should have ended (stderr).
    faulthandler.dump_traceback_later(plan.end + plan.timeout + 60 - time.time(), exit=False)
    settled = time.time()
    while time.time() < plan.end + plan.timeout:
        with contextlib.suppress(queue_mod.Empty):  # drained: every report sent so far
            while True:
                keys, at, unit_id = sent.get_nowait()
                state.expect([(int(u), str(c)) for u, c in keys], at, unit_id)
        if time.time() > settled + 0.25:
            settled = time.time()
            state.settle(settled)
        await asyncio.sleep(0.01)
    state.settle(time.time(), final=True)
    stop.set()
    for task in tasks:
        task.cancel()  # not awaited: _exit_after
    _exit_after(out, ("boards", state.done, dict(state.errors), dict(state.frames),
                      dict(state.foreign), len(state.connected), time.process_time()), sent)


def boards(base: str, token: str, streams: int, regions: list[int],
           region_of_unit: dict[int, int], sent: Any, ready: Any, plans: Any, out: Any) -> None:
    """Process target: ``streams`` boards (regions in turn) on the event stream; reports
    ``ready`` once connected, then takes the run's :class:`Plan` from ``plans``, puts its
    result on ``out`` and ends the process."""
    _run(_boards(base, token, streams, regions, region_of_unit, sent, ready, plans, out))
