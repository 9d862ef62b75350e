"""What the monitor is doing, read from the database: for `status` and `/metrics`.

Read-only, so it works while the daemon runs (WAL: readers never block the writer)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.store import FeedRow, Store, from_iso

# A heartbeat older than this (and no clean stop) means the daemon is not running.
STALE_AFTER = timedelta(minutes=5)


def feed_state(feed: FeedRow) -> str:
    """new (never polled), ok, failing; disabled (by the operator) or retired (no longer
    in the config)."""
    if feed.disabled:
        return "disabled"
    if not feed.active:
        return "retired"
    if feed.error_count:
        return "failing"
    if feed.last_polled_at is None:
        return "new"
    return "ok"


def collect_status(store: Store, now: datetime) -> dict[str, Any]:
    feeds = store.feeds()
    states = [feed_state(f) for f in feeds]
    failing = [f for f in feeds if f.error_count > 0]
    polled = [p for f in feeds if (p := f.last_polled_at)]
    daemon = store.daemon_state()
    running = False
    if daemon is not None and daemon["stopped_at"] is None:
        beat = from_iso(daemon["heartbeat_at"])
        running = beat is not None and now - beat < STALE_AFTER
    return {
        "daemon": {
            "running": running,
            "pid": daemon["pid"] if daemon else None,
            "started_at": daemon["started_at"] if daemon else None,
            "heartbeat_at": daemon["heartbeat_at"] if daemon else None,
            "stopped_at": daemon["stopped_at"] if daemon else None,
        },
        "feeds": {
            "active": len(feeds),
            "ok": states.count("ok"),
            "new": states.count("new"),  # never polled yet
            "failing": [
                {
                    "url": f.url,
                    "errors": f.error_count,
                    "last_error": f.last_error,
                    "last_ok_at": f.last_ok_at,
                }
                for f in failing
            ],
            "last_poll_at": max(polled) if polled else None,
        },
        "articles": store.count("articles"),
        "unevaluated": store.count_unevaluated(),
        "unevaluable": store.unevaluable(),
        "changes": store.count("changes"),
        "outbox": store.outbox_counts(),
        "jobs": [
            {
                "id": j["id"],
                "schedule": j["schedule"],
                "next_run_at": j["next_run_at"],
                "last_ok_at": j["last_ok_at"],
                "last_error": j["last_error"],
                "last_summary": j["last_summary"],
                "runs": j["runs"],
            }
            for j in store.jobs()
        ],
    }
