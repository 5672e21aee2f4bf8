"""Pull formats: our own CSV and JSON (:mod:`.payload`), and the readers later capabilities
register for the open standards (interop: a SANER MeasureReport, EDXL-HAVE…).

Capacity comes before interop in the dependency order, so it cannot import the standards'
readers; each reader registers itself here when its module is imported (the app imports every
capability's routes at start). A reader may also recognise its document in a source set to
plain JSON (``detect``), so a provider who picked "json" for a MeasureReport is still read
right.

A standard whose document carries its own report times (EDXL-HAVE) registers a *submitter*
instead: it submits the reports itself, under the pull's actor and inside the pull's
savepoint, and returns how many it recorded (one ``submit_reports`` call per pull, with the
pull's time, cannot keep those times).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity.models import PullFormat, PullSource
from verkeerstoren.capacity.pull.payload import parse_payload
from verkeerstoren.capacity.schemas import ReportIn
from verkeerstoren.errors import ValidationProblem

Rows = list[tuple[int, ReportIn]]
Reader = Callable[[Session, PullSource, bytes], Rows]
Submitter = Callable[[Session, Actor, bytes, datetime], int]


@dataclass(frozen=True)
class _Format:
    reader: Reader
    detect: Callable[[bytes], bool] | None


_FORMATS: dict[PullFormat, _Format] = {}
_SUBMITTERS: dict[PullFormat, Submitter] = {}


def register(fmt: PullFormat, reader: Reader,
             detect: Callable[[bytes], bool] | None = None) -> None:
    """Make ``fmt`` readable by ``reader`` (``detect``: recognise it among plain JSON)."""
    _FORMATS[fmt] = _Format(reader, detect)


def register_submitter(fmt: PullFormat, submitter: Submitter) -> None:
    """Make ``fmt`` readable by a standard that submits its reports itself."""
    _SUBMITTERS[fmt] = submitter


def submitter(fmt: PullFormat) -> Submitter | None:
    """The submitter registered for ``fmt``, or None when its rows go through :func:`read`."""
    if fmt not in (PullFormat.CSV, PullFormat.JSON) and fmt not in _FORMATS \
            and fmt not in _SUBMITTERS:
        _load_all()
    return _SUBMITTERS.get(fmt)


def _load_all() -> None:
    """Import every capability's routes as the app does at start, so that their readers are
    registered in a process without the app too (the ``pull-once`` command)."""
    from verkeerstoren import capabilities

    for name in capabilities.names(pages=True):
        import_module(f"verkeerstoren.{name}.pages")
    for name in capabilities.names(api=True):
        import_module(f"verkeerstoren.{name}.api")


def read(session: Session, source: PullSource, raw: bytes) -> Rows:
    """(row number, report) pairs of what a source published; raises ValidationErrors."""
    if source.format not in _FORMATS and source.format not in (PullFormat.CSV,
                                                              PullFormat.JSON):
        _load_all()
    found = _FORMATS.get(source.format)
    if found is None and source.format is PullFormat.JSON:
        found = next((f for f in _FORMATS.values() if f.detect and f.detect(raw)), None)
    if found is not None:
        return found.reader(session, source, raw)
    if source.format not in (PullFormat.CSV, PullFormat.JSON):
        raise ValidationProblem("format", "this server cannot read the format {format}",
                                params={"format": source.format.value})
    return parse_payload(raw, source.format)
