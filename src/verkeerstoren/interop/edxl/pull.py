"""The scheduled pull reads EDXL-HAVE endpoints (format ``edxl``) through the import."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.capacity.models import PullFormat, ReportSource
from verkeerstoren.capacity.pull import formats
from verkeerstoren.interop.edxl import service


def _read(session: Session, actor: Actor, raw: bytes, now: datetime) -> int:
    # ``now`` is when the pull ran; each figure keeps the document's own report time.
    return service.import_document(session, actor, raw, ReportSource.PULL, now=now).accepted


def register() -> None:
    """Called when the interop routes are mounted (the server that runs the scheduler)."""
    formats.register_submitter(PullFormat.EDXL, _read)
