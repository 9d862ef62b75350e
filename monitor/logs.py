"""What the monitor logs, and how: the global --log-level and --log-format (text, or one
JSON object a line for containers), and the per-feed state changes the daemon reports.

A feed that fails is logged once when it starts failing (or fails differently) and once
when it recovers, not at every poll: a dead feed polled every minute must not bury the
log, and "4 failed" alone does not say which feed or why."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from monitor.models import FileError
from monitor.store import FeedRow

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")
NOISY_LIBRARIES = ("httpx", "httpcore", "apscheduler")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the `extra` fields (e.g.
    `feed`, `error`), and the traceback as `exception` if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, object] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so configuring again replaces it."""


def configure_logging(level: str, fmt: str) -> None:
    """Log to stderr at `level` in `fmt`; called once per command (again in tests)."""
    level = level.lower()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
    handler = _OurHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request at INFO and APScheduler every run: only with debug.
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)


@dataclass(frozen=True, slots=True)
class FeedTransition:
    url: str
    kind: Literal["failing", "recovered"]
    error: str | None  # the new error (failing), or the last one (recovered)
    failures: int  # consecutive failures, counting this poll (failing) or before it


def feed_transitions(
    polled: Iterable[FeedRow], errors: Iterable[FileError]
) -> list[FeedTransition]:
    """The feeds of one poll whose state changed: ok → failing, failing with another
    error, failing → ok. `polled` holds each feed's state before the poll. Pure."""
    now_failing = {error.path: error.error for error in errors}
    found = []
    for feed in polled:
        before = feed.last_error if feed.error_count else None
        after = now_failing.get(feed.url)
        if after is not None and after != before:
            found.append(FeedTransition(feed.url, "failing", after, feed.error_count + 1))
        elif after is None and before is not None:
            found.append(FeedTransition(feed.url, "recovered", before, feed.error_count))
    return found


def log_feed_transition(log: logging.Logger, change: FeedTransition) -> None:
    extra = {"feed": change.url, "event": f"feed_{change.kind}", "error": change.error}
    if change.kind == "failing":
        log.warning("feed failing: %s: %s", change.url, change.error, extra=extra)
    else:
        log.info("feed recovered: %s (after %d failures)", change.url, change.failures, extra=extra)
