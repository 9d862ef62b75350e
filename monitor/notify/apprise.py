"""Apprise: any Apprise URL (chat, push, mail, …) as a channel, through the same outbox.

Optional: `pip install 'policy-monitor[apprise]'`. Without it, rows for an Apprise
channel fail with a clear message and are retried (so installing it later delivers them).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from monitor.notify import policy_label
from monitor.outbox import Attempt

NOT_INSTALLED = "apprise is not installed: pip install 'policy-monitor[apprise]'"


def message(record: dict[str, Any]) -> tuple[str, str]:
    """A title and a plain-text body for one change record."""
    title = f"{policy_label(record)}: {record['change']}"
    until = f", until {record['until']}" if record["until"] else ""
    lines = [
        f"{record['status_before']} → {record['status_after']}, "
        f"effective {record['effective']}{until}",
        f"“{record['evidence']}”",
        *record["sources"][:5],
    ]
    return title, "\n".join(lines)


async def send(url: str, record: dict[str, Any]) -> Attempt:
    started = time.perf_counter()
    try:
        import apprise
    except ImportError:
        return Attempt(False, error=NOT_INSTALLED)
    title, body = message(record)
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return Attempt(False, error="Apprise does not understand this URL", permanent=True)
    ok = await asyncio.to_thread(notifier.notify, body=body, title=title)
    duration = int((time.perf_counter() - started) * 1000)
    return Attempt(
        bool(ok), error=None if ok else "Apprise reported a failure", duration_ms=duration
    )
