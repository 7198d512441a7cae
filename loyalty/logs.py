"""Logging: one configuration for every process (the API, with any number of uvicorn worker
processes, the worker, the scheduler and the commands).

- JSON lines in production (LOG_FORMAT=json, the default with LOYALTY_ENV=production): one
  object a line with `time`, `level`, `logger`, `message`, the request's fields when the
  line was written while serving one (`request_id`, `operation`, `member_id` or
  `api_key_id`, and on the access line `method`, `path`, `status`, `duration_ms`), and
  `exception` (the traceback) for a bug.
- Readable text in development (LOG_FORMAT=text, the default otherwise), the same fields
  appended as key=value.

The configuration is a `logging.config.dictConfig` dictionary, which uvicorn applies in
each of its worker processes (`log_config`): a logging set up only in the parent would leave
the workers' application logs with no handler, that is, lost.
"""
from __future__ import annotations

import json
import logging
import logging.config
import traceback
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from loyalty import faults
from loyalty.settings import Settings

# The fields of the request being served; a dict shared by every task of the request.
request_fields: ContextVar[dict[str, Any] | None] = ContextVar("log_request_fields", default=None)

FIELDS = ("request_id", "operation", "member_id", "api_key_id", "method", "path", "status", "duration_ms")


def set_request_field(name: str, value: Any) -> None:
    """Adds `name` to the fields of the request being served (nothing outside a request)."""
    fields = request_fields.get()
    if fields is not None and value is not None:
        fields[name] = value


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    found: dict[str, Any] = dict(request_fields.get() or {})
    for name in FIELDS:
        value = record.__dict__.get(name)
        if value is not None:
            found[name] = value
    return found


def _as_fault(record: logging.LogRecord) -> logging.LogRecord:
    """A warning about a dependency's fault (Redis or the database away) as one line: the
    fault named after the message, without the traceback, which only bugs get."""
    exc = record.exc_info[1] if record.exc_info else None
    if exc is None or record.levelno >= logging.ERROR or not faults.is_unavailable(exc):
        return record
    line = logging.makeLogRecord(record.__dict__)
    line.msg, line.args = f"{record.getMessage()}: {faults.describe(exc)}", None
    line.exc_info, line.exc_text = None, None
    return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        record = _as_fault(record)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in _fields(record).items():
            entry.setdefault(name, value if isinstance(value, (int, float, bool, str)) else str(value))
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...`, and the traceback of a bug below it."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return super().format(_as_fault(record))

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        line = super().formatMessage(record)
        extra = " ".join(f"{name}={value}" for name, value in _fields(record).items())
        return f"{line} {extra}" if extra else line


def log_format(settings: Settings) -> str:
    return settings.log_format or ("json" if settings.production else "text")


def config(settings: Settings, level: str | None = None) -> dict[str, Any]:
    """The dictConfig of the settings: our formatter on stderr for every logger, uvicorn's
    included; uvicorn's access log is off (loyalty.access writes one line a request)."""
    level = (level or settings.log_level).upper()
    formatter = "loyalty.logs.JsonFormatter" if log_format(settings) == "json" else "loyalty.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": formatter}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "default",
                                 "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


def configure(settings: Settings, level: str | None = None) -> None:
    logging.config.dictConfig(config(settings, level))
