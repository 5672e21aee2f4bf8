"""Structured logs: one JSON object a line, for a log collector (docs/operations.md).

Fields of every line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``pid``;
``exception`` when one is logged; a request line (logger ``verkeerstoren.access``) adds
``method``, ``path`` (without the query string: it may carry personal search terms), ``route``,
``status``, ``duration_ms`` and ``client``.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

ACCESS_LOGGER = "verkeerstoren.access"
REQUEST_FIELDS = ("method", "path", "route", "status", "duration_ms", "client")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def log_config(json_lines: bool) -> dict[str, Any]:
    """uvicorn's ``log_config``: also applied in every worker process it starts."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if json_lines
        else {"format": "%(levelname)s:     %(name)s %(message)s"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "default",
                                 "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["default"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"level": "INFO"},
            # In JSON mode the request lines come from the metrics middleware, with fields;
            # uvicorn's own access line is switched off then (serve passes access_log=False).
            ACCESS_LOGGER: {"level": "INFO" if json_lines else "WARNING"},
        },
    }
