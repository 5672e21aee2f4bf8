"""Search over directory entries and the searchset Bundle with paging (``_count``,
``_offset``, ``next``/``previous`` links).

Parameters follow FHIR's search rules for their types: string (``name``,
``address-postalcode``) matches case-insensitively from the start, ignoring spaces in a
postcode; token (``identifier``, ``type``) is ``code`` or ``system|code``; date
(``_lastUpdated``) takes the prefixes eq, ne, lt, le, gt, ge, sa, eb; reference
(``organization``, ``location``, ``partof``) is ``Type/id`` or ``id``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlencode

from verkeerstoren.interop.fhir.directory import Entry, Resource, instant
from verkeerstoren.interop.fhir.outcome import invalid

DEFAULT_COUNT = 50
MAX_COUNT = 500
PREFIXES = ("eq", "ne", "lt", "le", "gt", "ge", "sa", "eb")


@dataclass(frozen=True)
class Search:
    """The search parameters of a request, already limited in length by the route."""

    identifier: str | None = None
    name: str | None = None
    postcode: str | None = None
    type: str | None = None
    last_updated: Sequence[str] = ()
    organization: str | None = None
    location: str | None = None
    partof: str | None = None
    subject: str | None = None
    reporter: str | None = None
    count: int = DEFAULT_COUNT
    offset: int = 0

    def query(self, offset: int) -> str:
        """The query string that repeats this search from ``offset`` (the paging links)."""
        pairs: list[tuple[str, Any]] = []
        for key, value in (("identifier", self.identifier), ("name", self.name),
                           ("address-postalcode", self.postcode), ("type", self.type),
                           ("organization", self.organization), ("location", self.location),
                           ("partof", self.partof), ("subject", self.subject),
                           ("reporter", self.reporter)):
            if value is not None:
                pairs.append((key, value))
        pairs += [("_lastUpdated", v) for v in self.last_updated]
        pairs += [("_count", self.count), ("_offset", offset)]
        return urlencode(pairs)


def _token(value: str, found: list[tuple[str, str]]) -> bool:
    system, bar, code = value.partition("|")
    if not bar:
        return any(c == value for _, c in found)
    return any((not system or s == system) and c == code for s, c in found)


def _reference(value: str, kind: str, found: str | None) -> bool:
    wanted = value if "/" in value else f"{kind}/{value}"
    return found == wanted


def _bounds(value: str, parameter: str) -> tuple[str, datetime, datetime]:
    """(prefix, start, end) of a date parameter; a date alone covers its whole day."""
    prefix, text = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return (prefix, datetime.combine(day, time.min, UTC),
                    datetime.combine(day, time.max, UTC))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(parameter, f"'{value}' is not a FHIR date or dateTime") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return prefix, moment, moment


def _date_matches(value: str, moment: datetime | None) -> bool:
    prefix, start, end = _bounds(value, "_lastUpdated")
    if moment is None:
        return False
    tests: dict[str, Callable[[], bool]] = {
        "eq": lambda: start <= moment <= end, "ne": lambda: not start <= moment <= end,
        "lt": lambda: moment < start, "eb": lambda: moment < start,
        "le": lambda: moment <= end, "gt": lambda: moment > end, "sa": lambda: moment > end,
        "ge": lambda: moment >= start,
    }
    return tests[prefix]()


def _starts(value: str, candidates: list[str], *, spaces: bool = True) -> bool:
    wanted = value.casefold() if spaces else value.replace(" ", "").casefold()
    return any((c.casefold() if spaces else c.replace(" ", "").casefold()).startswith(wanted)
               for c in candidates)


def matches(entry: Entry, search: Search, kind: str) -> bool:
    if search.identifier is not None and not _token(search.identifier, entry.identifiers):
        return False
    if search.name is not None and not _starts(search.name, entry.names):
        return False
    if search.postcode is not None and not _starts(search.postcode, entry.postcodes,
                                                   spaces=False):
        return False
    if search.type is not None and not _token(search.type, entry.types):
        return False
    if search.organization is not None and not _reference(
            search.organization, "Organization", entry.organisation):
        return False
    if search.location is not None and not _reference(search.location, "Location",
                                                      entry.location):
        return False
    if search.partof is not None:
        part = entry.resource.get("partOf", {}).get("reference")
        if not _reference(search.partof, "Location", part):
            return False
    return all(_date_matches(v, entry.last_updated) for v in search.last_updated)


def check_dates(search: Search) -> None:
    """Refuse a malformed _lastUpdated before searching (a 4xx naming the parameter)."""
    for value in search.last_updated:
        _bounds(value, "_lastUpdated")


def searchset(base: str, kind: str, resources: list[Resource], search: Search) -> Resource:
    """One page of a search as a Bundle with total and paging links."""
    page = resources[search.offset: search.offset + search.count]
    url = f"{base}/{kind}"

    def link(relation: str, offset: int) -> dict[str, str]:
        return {"relation": relation,
                "url": f"{url}?{search.query(offset)}"}

    links = [link("self", search.offset)]
    if search.offset + search.count < len(resources):
        links.append(link("next", search.offset + search.count))
    if search.offset > 0:
        links.append(link("previous", max(0, search.offset - search.count)))
    return {
        "resourceType": "Bundle", "type": "searchset", "total": len(resources),
        "timestamp": instant(datetime.now(UTC)),
        "link": links,
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                   "search": {"mode": "match"}} for r in page],
    }
