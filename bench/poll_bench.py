"""One poll cycle of N local feeds (half answering 304) against a bare httpx gather of
the same requests, in the same run.

    .venv/bin/python bench/poll_bench.py [--feeds 1000]

The feeds are the real feeds of ../shared/feeds/real (or one built-in feed where that is
absent), served by a separate process on 127.0.0.1. Half the feeds were polled once
before (untimed), so they send If-None-Match and get 304. The poll cycle fetches, parses
(process pool), dedupes and stores; the bare gather only downloads the same bodies.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.feed_server import corpus_bodies, etag_of, start_feed_server
from monitor.config import FetchConfig
from monitor.pipeline import poll_feeds
from monitor.store import Store


async def bare_gather(
    urls: list[str], etags: dict[str, str], bound: int | None = None
) -> tuple[int, int]:
    """What a minimal poller does: every GET at once (or `bound` at a time), bodies read,
    nothing else."""
    limit = asyncio.Semaphore(bound or len(urls))
    async with httpx.AsyncClient(timeout=120) as client:

        async def get(url: str) -> httpx.Response:
            async with limit:
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                return await client.get(url, headers=headers)

        responses = await asyncio.gather(*(get(u) for u in urls), return_exceptions=True)
    codes = [r.status_code if isinstance(r, httpx.Response) else 0 for r in responses]
    return codes.count(200), codes.count(304)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    args = parser.parse_args()
    bodies = corpus_bodies()
    base, server = start_feed_server(bodies)
    urls = [f"{base}/feed/{n}" for n in range(args.feeds)]
    half = set(urls[: args.feeds // 2])
    etags = {u: etag_of(bodies[int(u.rsplit("/", 1)[1]) % len(bodies)]) for u in half}
    config = FetchConfig()
    try:
        with tempfile.TemporaryDirectory() as folder:
            store = Store.open(Path(folder) / "bench.db")
            now = datetime.now(UTC)
            for url in urls:
                store.upsert_feed(url, origin="cli", now=now)
            warm = [f for f in store.feeds() if f.url in half]
            asyncio.run(poll_feeds(store, config, warm))  # untimed: these now hold ETags

            started = time.perf_counter()
            report = asyncio.run(poll_feeds(store, config, store.feeds()))
            cycle = time.perf_counter() - started
            store.close()

        started = time.perf_counter()
        full, not_modified = asyncio.run(bare_gather(urls, etags))
        failed = len(urls) - full - not_modified
        gather = time.perf_counter() - started
        started = time.perf_counter()
        asyncio.run(bare_gather(urls, etags, bound=config.concurrency))
        bounded = time.perf_counter() - started
    finally:
        server.terminate()

    print(f"feeds: {args.feeds} ({len(bodies)} distinct bodies), half answering 304")
    print(
        f"poll cycle: {cycle:.2f} s  ({report.ok} ok, {report.not_modified} not modified, "
        f"{len(report.errors)} failed, {report.new_articles} new articles stored)"
    )
    for error in report.errors[:5]:
        print(f"  failed: {error.path}: {error.error}")
    print(
        f"bare httpx gather (download only): {gather:.2f} s  "
        f"({full} 200, {not_modified} 304, {failed} failed)"
    )
    print(f"bare httpx gather, {config.concurrency} at a time: {bounded:.2f} s")
    print(f"ratio poll cycle / bare gather: {cycle / gather:.2f}")
    print(f"ratio poll cycle / bounded gather: {cycle / bounded:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
