"""All-or-nothing CSV import of the registry: care units (with their organisations and locations)
or district-nursing teams.

Every row is checked before anything is written, and every problem is reported with the row
number a spreadsheet user sees (the header is row 1). Files may be UTF-8 (with or without BOM) or
Excel's cp1252, separated by commas, semicolons or tabs. Both kinds plan every row first and
write only a complete, correct plan (import_units, import_teams; shared steps in import_rows).
"""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session

from verkeerstoren.registry.import_rows import (
    COLUMNS,
    EXAMPLES,
    KINDS,
    MAX_BYTES,
    ImportSummary,
    Kind,
    read_rows,
)
from verkeerstoren.registry.import_teams import import_teams
from verkeerstoren.registry.import_units import import_units

__all__ = ["COLUMNS", "KINDS", "MAX_BYTES", "ImportSummary", "Kind", "import_csv", "read_rows",
           "template_csv"]


def template_csv(kind: Kind) -> str:
    """A CSV file with the header and one example row of this import kind."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS[kind])
    writer.writerow(EXAMPLES[kind])
    return out.getvalue()


def import_csv(session: Session, kind: Kind, data: bytes) -> ImportSummary:
    """Validate every row, then create or update by name; writes nothing if any row is wrong."""
    if kind == "units":
        return import_units(session, data)
    return import_teams(session, data)
