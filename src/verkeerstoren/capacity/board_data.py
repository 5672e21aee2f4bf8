"""The board at a moment, made from raw rows (:func:`assemble`), and changed a few rows at a time
(:meth:`BoardData.refreshed`).

A refresh must not cost a whole board: on a national load every process hears about 67 reports
a second (bench.mixed) and each one used to re-assemble its region's ≈ 1,500 rows (7–27 ms), which
alone took both cores. So a board keeps what a change needs: its rows in order with their sort
keys, where each key sits, and the totals as running sums with a count of rows behind each. A
refresh takes the old rows of the changed keys out (subtracting them from the sums), places
their new rows by bisection and adds them: O(changed · log n) plus copying a few lists of
references, never a pass over the rows in Python.

The one thing that moves with time for every row is its age in hours; the rows' other figures
depend on the moment only through staleness, and a board is replaced before its first fresh
figure turns stale (``turns_stale``). So a refreshed board keeps the older rows' dictionaries
and gives them their age at the board's moment when its whole row list is asked for
(:attr:`BoardData.rows`), once; the live patch asks only for the changed rows
(:meth:`BoardData.rows_for`). The result is byte for byte the board a full build makes at the
same moment (tests/capacity/test_board_refresh.py).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, cast, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from verkeerstoren.capacity.schemas import Board

Key = tuple[int, str]
SortKey = tuple[Any, ...]
Row = dict[str, Any]
# Per total: [staffed, available, fresh available, rows counted]; the count says when a
# total's last row left the board (a fresh build would not list it).
Sums = dict[tuple[str, str], list[int]]
NEVER = datetime.max.replace(tzinfo=UTC)


class Raw(NamedTuple):
    """One database row of the board (the columns of ``board._columns``, in this order).

    Registry columns first; the state's columns are None when the unit never reported.
    Dates and datetimes are Python values in UTC (converted in ``board.fetch``).
    """

    unit_id: int
    bed_type_code: str
    physical_registered: int
    unit: str
    phone: str | None
    organisation_id: int
    organisation: str
    location: str
    gemeente_code: str
    gemeente: str
    wijk_code: str | None
    latitude: float | None
    longitude: float | None
    bed_type: str
    max_report_age_hours: int
    sort_order: int
    feature_codes: str | None  # "a,b"
    reported_at: datetime | None
    physical: int | None
    staffed: int | None
    occupied: int | None
    blocked: int | None
    held: int | None
    expected_free_date: date | None
    remark: str | None


# The bed-state part of a raw row (reported_at … remark): what a report replaces. A report's
# event carries it (:func:`state_for_event`), so that every process can put the new row in
# place without reading it back (board_cache); holds and releases change it relative to the
# stored row and are re-read instead.
_STATE_AT = Raw._fields.index("reported_at")
_STATE_INTS = range(1, 6)  # physical, staffed, occupied, blocked, held
State = tuple[Any, ...]


def state_for_event(reported_at: datetime, physical: int, staffed: int, occupied: int,
                    blocked: int, held: int, expected_free_date: date | None,
                    remark: str | None) -> list[Any]:
    """A bed state as JSON values, in Raw's order (read back by :func:`state_from_event`)."""
    return [reported_at.isoformat(), physical, staffed, occupied, blocked, held,
            expected_free_date.isoformat() if expected_free_date else None, remark]


def state_from_event(item: Any) -> State | None:
    """The state of :func:`state_for_event` as Raw's values; None when it is not one (the
    change is then read from the database, as for an event without states)."""
    if not isinstance(item, list) or len(item) != len(Raw._fields) - _STATE_AT:
        return None
    at, free, remark = item[0], item[6], item[7]
    if (not isinstance(at, str) or not (free is None or isinstance(free, str))
            or not (remark is None or isinstance(remark, str))
            or any(type(item[i]) is not int for i in _STATE_INTS)):
        return None
    try:
        reported_at = datetime.fromisoformat(at)
        expected_free = date.fromisoformat(free) if free is not None else None
    except ValueError:
        return None
    if reported_at.tzinfo is None:
        return None
    return (reported_at.astimezone(UTC), *item[1:6], expected_free, remark)


def with_state(raw: Raw, state: State) -> Raw:
    """The raw row with its bed state replaced (the registry columns kept)."""
    return tuple.__new__(Raw, (*raw[:_STATE_AT], *state))


@dataclass(frozen=True)
class BoardFilter:
    """What the coordinator narrowed the board to; empty means everything."""

    bed_types: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    gemeenten: tuple[str, ...] = ()
    wijken: tuple[str, ...] = ()
    region_id: int | None = None
    fresh_only: bool = False
    available_only: bool = False
    organisation_id: int | None = None


def _plain_type(annotation: Any) -> Any:
    """The annotation with every pydantic model in it replaced by a TypedDict of its fields."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = {name: _plain_type(f.annotation) for name, f in annotation.model_fields.items()}
        # The functional form, because the fields come from the model: one definition of the
        # board's shape (schemas.Board), and mypy only accepts literal dicts here.
        return cast(Any, TypedDict)(f"{annotation.__name__}Dict", fields)
    if get_origin(annotation) is list:
        return list[_plain_type(get_args(annotation)[0])]  # type: ignore[misc]
    return annotation


# Serialises plain dicts in Rust, in schema order, exactly as Board.model_dump_json would
# (a test compares the bytes), without validating 1,500 rows first.
_JSON: TypeAdapter[Any] = TypeAdapter(_plain_type(Board))


class _Placer:
    """Turns raw rows into board rows at one moment, remembering what repeats between rows."""

    def __init__(self, flt: BoardFilter, now: datetime) -> None:
        self.now = now
        self.fresh_only, self.available_only = flt.fresh_only, flt.available_only
        self.limits: dict[int, timedelta] = {}
        self.feature_lists: dict[str, tuple[str, ...]] = {}  # few distinct sets per board
        self.turns_stale = NEVER

    def place(self, raw: Raw) -> tuple[SortKey, Row] | None:
        """The row and its place in the board's order; None when the filter leaves it out."""
        # Unpacked in Raw's field order (one step, the fastest way to read 25 fields per row).
        (unit_id, code, physical, unit, phone, org_id, org, location, gm_code, gm_name, wijk,
         lat, lon, bt_name, max_age, sort_order, feature_codes, reported_at, s_physical,
         staffed, occupied, blocked, held, expected_free, remark) = raw
        limit = self.limits.get(max_age)
        if limit is None:
            limit = self.limits[max_age] = timedelta(hours=max_age)
        now = self.now
        # Same rule as freshness.is_stale and age_hours, inlined: this runs per row.
        if reported_at is None:
            stale = True
            age = None
        else:
            stale = now - reported_at > limit
            if not stale and reported_at + limit < self.turns_stale:
                self.turns_stale = reported_at + limit
            age = max(0.0, (now - reported_at).total_seconds() / 3600)
        staffed = staffed or 0
        occupied = occupied or 0
        blocked = blocked or 0
        held = held or 0
        available = staffed - occupied - blocked - held
        if (self.fresh_only and stale) or (self.available_only and available <= 0):
            return None
        if feature_codes:
            features = self.feature_lists.get(feature_codes)
            if features is None:
                features = tuple(sorted(feature_codes.split(",")))
                self.feature_lists[feature_codes] = features
        else:
            features = ()
        # Fresh availability first; stale figures cannot be trusted for a placement. The
        # key decides ties and is unique per row, so rows can be found and placed by it.
        return (stale, -available, sort_order, gm_name, unit, unit_id, code), {
            "unit_id": unit_id, "unit": unit, "organisation_id": org_id, "organisation": org,
            "location": location, "gemeente_code": gm_code, "gemeente": gm_name,
            "wijk_code": wijk, "latitude": lat, "longitude": lon, "bed_type_code": code,
            "bed_type": bt_name, "features": list(features),  # a list of its own per row
            "physical": s_physical if s_physical is not None else physical,
            "staffed": staffed, "occupied": occupied, "blocked": blocked, "held": held,
            "available": available, "expected_free_date": expected_free, "remark": remark,
            "reported_at": reported_at, "age_hours": age, "stale": stale, "phone": phone,
        }


def _count(by_bed_type: Sums, by_gemeente: Sums, row: Row, sign: int) -> None:
    """Add the row to the totals (sign 1) or take it out again (sign -1)."""
    available = row["available"]
    staffed = sign * row["staffed"]
    free = sign * available if available > 0 else 0
    fresh = 0 if row["stale"] else free
    for sums, key in ((by_bed_type, (row["bed_type_code"], row["bed_type"])),
                      (by_gemeente, (row["gemeente_code"], row["gemeente"]))):
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = [0, 0, 0, 0]
        acc[0] += staffed
        acc[1] += free
        acc[2] += fresh
        acc[3] += sign
        if not acc[3]:
            del sums[key]


def _totals(sums: Sums) -> list[dict[str, Any]]:
    return [
        {"key": k[0], "label": k[1], "staffed": v[0], "available": v[1], "fresh_available": v[2]}
        for k, v in sorted(sums.items(), key=lambda item: (item[0][1], item[0][0]))
    ]


def _aged(row: Row, now: datetime) -> Row:
    """The row with its age at ``now`` (the same dictionary when that is its age already)."""
    reported_at = row["reported_at"]
    if reported_at is None:
        return row
    age = max(0.0, (now - reported_at).total_seconds() / 3600)
    return row if age == row["age_hours"] else {**row, "age_hours": age}


class BoardData:
    """A built board as plain rows: what the API serialises and the pages render.

    Treat as immutable: a refresh makes a new one (a board may be read by other threads).
    """

    def __init__(self, order: list[SortKey], ranked: list[Row], placed: dict[Key, SortKey],
                 sums: tuple[Sums, Sums], generated_at: datetime, turns_stale: datetime,
                 *, aged: bool) -> None:
        self._order = order  # sort keys, ascending; ranked[i] is the row of order[i]
        self._ranked = ranked
        self._placed = placed  # key → sort key of the rows on the board
        self._sums = sums  # by bed type, by gemeente
        self.generated_at = generated_at
        self.turns_stale = turns_stale  # when its first fresh figure turns stale (expiry)
        self._rows: list[Row] | None = ranked if aged else None
        self._totals: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None

    @property
    def rows(self) -> list[Row]:
        """The rows in board order, each with its age at ``generated_at``."""
        if self._rows is None:
            now = self.generated_at
            self._rows = [_aged(row, now) for row in self._ranked]
        return self._rows

    def rows_for(self, keys: Collection[Key]) -> list[Row]:
        """Only these keys' rows (those on the board), in board order: without ageing all."""
        found = sorted(self._placed[k] for k in keys if k in self._placed)
        return [_aged(self._ranked[bisect_left(self._order, s)], self.generated_at)
                for s in found]

    def _both_totals(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if self._totals is None:
            self._totals = (_totals(self._sums[0]), _totals(self._sums[1]))
        return self._totals

    @property
    def totals_by_bed_type(self) -> list[dict[str, Any]]:
        return self._both_totals()[0]

    @property
    def totals_by_gemeente(self) -> list[dict[str, Any]]:
        return self._both_totals()[1]

    def _plain(self) -> dict[str, Any]:
        return {"rows": self.rows, "totals_by_bed_type": self.totals_by_bed_type,
                "totals_by_gemeente": self.totals_by_gemeente,
                "generated_at": self.generated_at}

    def json(self) -> bytes:
        return _JSON.dump_json(self._plain())

    def model(self) -> Board:
        """The board as the pydantic model (for callers that want attributes and types)."""
        return Board.model_validate(self._plain())

    def refreshed(self, changed: Mapping[Key, Raw | None], flt: BoardFilter, now: datetime
                  ) -> BoardData:
        """This board at ``now`` with the changed keys' rows replaced (None: off the board).

        Only valid before ``turns_stale`` (the board cache's expiry): until then no unchanged
        row's staleness, and so neither its place nor the totals, differs at ``now``.
        """
        order, ranked, placed = list(self._order), list(self._ranked), dict(self._placed)
        by_bed_type = {k: list(v) for k, v in self._sums[0].items()}
        by_gemeente = {k: list(v) for k, v in self._sums[1].items()}
        placer = _Placer(flt, now)
        for key, raw in changed.items():
            old = placed.pop(key, None)
            if old is not None:
                at = bisect_left(order, old)
                del order[at]
                _count(by_bed_type, by_gemeente, ranked.pop(at), -1)
            new = placer.place(raw) if raw is not None else None
            if new is not None:
                at = bisect_left(order, new[0])
                order.insert(at, new[0])
                ranked.insert(at, new[1])
                placed[key] = new[0]
                _count(by_bed_type, by_gemeente, new[1], 1)
        return BoardData(order, ranked, placed, (by_bed_type, by_gemeente), now,
                         min(self.turns_stale, placer.turns_stale), aged=False)


def assemble(raws: Iterable[Raw], flt: BoardFilter, now: datetime) -> BoardData:
    """The board at ``now`` from raw rows: freshness, the derived figures, the filter's
    fresh/available options, the board's order and the totals. Pure, no I/O."""
    placer = _Placer(flt, now)
    place = placer.place
    placed_rows = [found for found in map(place, raws) if found is not None]
    placed_rows.sort(key=lambda item: item[0])
    by_bed_type: Sums = {}
    by_gemeente: Sums = {}
    placed: dict[Key, SortKey] = {}
    for sort_key, row in placed_rows:
        _count(by_bed_type, by_gemeente, row, 1)
        placed[(row["unit_id"], row["bed_type_code"])] = sort_key
    return BoardData([item[0] for item in placed_rows], [item[1] for item in placed_rows],
                     placed, (by_bed_type, by_gemeente), now, placer.turns_stale, aged=True)
