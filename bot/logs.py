"""Logging as the operator chooses: lines for people (the default) or, with
``LOG_FORMAT=json``, one JSON object a line for a log collector, each with
the activity, conversation and forum it was written for."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

# What the current task is working on; set by the edge as it learns it.
ACTIVITY_ID = contextvars.ContextVar("activity_id", default=None)
CONVERSATION_ID = contextvars.ContextVar("conversation_id", default=None)
FORUM_ID = contextvars.ContextVar("forum_id", default=None)

_NAMED = (("activity_id", ACTIVITY_ID), ("conversation_id", CONVERSATION_ID), ("forum", FORUM_ID))
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, _ in _NAMED:
            if (value := getattr(record, key, None)) is not None:
                entry[key] = value
        entry |= {k: v for k, v in current().items() if k not in entry}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def current() -> dict[str, str]:
    """What the current task works on, for a log line's fields."""
    return {key: value for key, variable in _NAMED if (value := variable.get()) is not None}


def configure(log_format: str) -> None:
    # JSON goes to standard output, where container platforms collect it.
    handler = logging.StreamHandler(sys.stdout if log_format == "json" else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
