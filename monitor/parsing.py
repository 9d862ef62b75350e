"""Where fetched feed bodies are parsed and keyed: small ones in a thread of this process,
large ones in worker processes started when the first large body arrives and stopped
after a poll cycle that needed none.

Why: parsing dominates a cold poll, so large bodies go to other cores; but a worker costs
~35 MB, and a process round trip costs more than parsing a small feed does. A daemon
with 10,000 small feeds never starts a worker (its whole process tree stays near the
daemon's own size); a cycle with large feeds starts them once and keeps them while
cycles keep needing them.

This module is what a worker imports (it is spawned, not forked: the daemon has
threads), so it imports only the parsing modules: no HTTP client, no database, no config.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from monitor.ingest import keyed
from monitor.models import KeyedArticle
from monitor.parse import parse_feed

# Bodies up to this size are parsed in this process: sending one to a worker and its
# articles back costs about as much as parsing it.
INLINE_BYTES = 32 * 1024


@dataclass(frozen=True, slots=True)
class KeyedFeed:
    """What parsing one body gives back: the articles with their dedupe keys, and the
    feed's malformed-XML error if its articles were recovered by the loose parser."""

    articles: list[KeyedArticle]
    malformed: str | None


def parse_keyed(body: bytes, base_url: str, headers: Mapping[str, str], origin: str) -> KeyedFeed:
    """Parse a body and key its articles. Pure, and what a worker runs: parsing and
    keying cost CPU, so the main process is left to dedupe and write."""
    parsed = parse_feed(body, base_url, headers, origin=origin)
    return KeyedFeed([keyed(article) for article in parsed.articles], parsed.malformed)


class ParsePool:
    """Parses bodies off the event loop: in a thread, or in up to `workers` processes."""

    def __init__(self, workers: int, inline_bytes: int = INLINE_BYTES) -> None:
        self.workers = workers
        self.inline_bytes = inline_bytes
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        self._processes: ProcessPoolExecutor | None = None
        self._used_processes = False

    @property
    def processes_running(self) -> bool:
        return self._processes is not None

    async def parse(
        self, body: bytes, base_url: str, headers: Mapping[str, str], origin: str
    ) -> KeyedFeed:
        loop = asyncio.get_running_loop()
        if self.workers <= 1 or len(body) <= self.inline_bytes:
            return await loop.run_in_executor(
                self._thread, parse_keyed, body, base_url, headers, origin
            )
        self._used_processes = True
        if self._processes is None:
            # spawn: a fork of a process with threads can deadlock in the child.
            self._processes = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))
        return await loop.run_in_executor(
            self._processes, parse_keyed, body, base_url, dict(headers), origin
        )

    def end_cycle(self) -> None:
        """A poll cycle is over: stop the workers if it gave them nothing to do."""
        if not self._used_processes:
            self._stop_processes()
        self._used_processes = False

    def shutdown(self) -> None:
        self._stop_processes()
        self._thread.shutdown(wait=True, cancel_futures=True)

    def _stop_processes(self) -> None:
        if self._processes is not None:
            self._processes.shutdown(wait=True, cancel_futures=True)
            self._processes = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def parse_workers(configured: int) -> int:
    """Worker processes for large bodies: as configured, or one per CPU core."""
    return configured or os.cpu_count() or 1
