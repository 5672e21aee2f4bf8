"""The SANER pull format: a provider's endpoint, or another region's tower, that serves a
MeasureReport (or a searchset Bundle of them) is read like our own CSV or JSON.

Federation: a region subscribes another region's tower by registering its
``/fhir/MeasureReport/region-{id}`` as a pull source of an organisation that stands for that
region here (one unit per bed type); the report's subject is the other tower's Location, so
each group goes to the one unit of the source's organisation with beds of that type. A report
on one of our own Locations is read as on the endpoint (``Location/unit-{id}``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from verkeerstoren.capacity.models import PullFormat, PullSource
from verkeerstoren.capacity.pull import formats
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.interop.fhir import intake
from verkeerstoren.interop.fhir.outcome import FhirProblem
from verkeerstoren.storage.base import utcnow

MAX_REPORTS = 5000


def _reports(raw: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationErrors([ValidationProblem("file", "this is not valid JSON",
                                                  row=1)]) from exc
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        entries = data.get("entry")
        reports = [e["resource"] for e in (entries if isinstance(entries, list) else [])
                   if isinstance(e, dict) and isinstance(e.get("resource"), dict)
                   and e["resource"].get("resourceType") == "MeasureReport"]
    elif isinstance(data, dict) and data.get("resourceType") == "MeasureReport":
        reports = [data]
    else:
        raise ValidationErrors([ValidationProblem(
            "file", "expected a FHIR MeasureReport or a Bundle of MeasureReports", row=1)])
    if not reports:
        raise ValidationErrors([ValidationProblem("file", "the Bundle has no MeasureReport",
                                                  row=1)])
    if len(reports) > MAX_REPORTS:
        raise ValidationErrors([ValidationProblem("file", "more than {max} rows", row=1,
                                                  params={"max": MAX_REPORTS})])
    return reports


def read(session: Session, source: PullSource, raw: bytes) -> formats.Rows:
    """(row, report) pairs, one per Beds group, numbered across the reports; every
    problem names the report (as the row) and the element (as the field)."""
    rows: formats.Rows = []
    problems: list[ValidationProblem] = []
    now = utcnow()
    for number, report in enumerate(_reports(raw), start=1):
        try:
            parsed, _ = intake.parse(session, report, now, federated=source.organisation_id)
        except FhirProblem as exc:
            problems += [ValidationProblem(i.expression, i.diagnostics, row=number)
                         for i in exc.issues]
            continue
        rows += [(len(rows) + 1, r) for r in parsed.reports]
    if problems:
        raise ValidationErrors(problems)
    return rows


def _is_measure_report(raw: bytes) -> bool:
    head = raw[:4000]
    return b'"resourceType"' in head and (b'"MeasureReport"' in raw[:200_000])


formats.register(PullFormat.SANER, read, detect=_is_measure_report)
