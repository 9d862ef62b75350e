"""Poll cycles of N local feeds spread over several loopback hosts, with and without
server latency, against what a minimal poller does with the same requests.

    .venv/bin/python -m bench.poll_bench [--feeds 1000] [--hosts 20] [--latency 0 50]
                                         [--repeat 1] [--per-host 2]

The feeds are the real feeds of ../shared/feeds/real (or one built-in feed where that is
absent), served by a separate process on 127.0.0.1 ... 127.0.0.<hosts> (all loopback on
Linux), feed n on host n mod hosts, each answer `latency` ms late. For each latency:

- cold: one poll cycle of every feed, none polled before (fetch, parse, dedupe, store),
  against bare httpx (a gather bounded to `concurrency`, bodies read) plus feedparser with
  its defaults in a pool of two processes;
- warm: the next cycle, every feed answering 304, against bare httpx sending the same
  ETags; with the TCP connections each opened (counted by the server).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import feedparser
import httpx

from bench.feed_server import FeedHosts, corpus_bodies, etag_of, start_feed_hosts
from monitor.config import FetchConfig
from monitor.pipeline import poll_feeds
from monitor.store import Store


def feedparser_defaults(body: bytes) -> int:
    """What a minimal poller's parse costs: feedparser as it comes (sanitising on)."""
    return len(feedparser.parse(io.BytesIO(body)).entries)


async def bare_poll(
    urls: list[str], etags: dict[str, str], bound: int, parser: Executor | None
) -> tuple[int, int]:
    """A minimal poller: `bound` GETs at a time, bodies read, and parsed by `parser`."""
    limit = asyncio.Semaphore(bound)
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(timeout=120) as client:

        async def get(url: str) -> int:
            async with limit:
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                response = await client.get(url, headers=headers)
            if parser is not None and response.status_code == 200:
                await loop.run_in_executor(parser, feedparser_defaults, response.content)
            return response.status_code

        codes = await asyncio.gather(*(get(u) for u in urls), return_exceptions=True)
    return codes.count(200), codes.count(304)


@dataclass
class Pass:
    seconds: float
    connections: int
    summary: str


def our_passes(hosts: FeedHosts, urls: list[str], config: FetchConfig) -> tuple[Pass, Pass]:
    """A cold cycle on a fresh database, then a warm one (every feed answers 304)."""
    passes = []
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "bench.db")
        now = datetime.now(UTC)
        for url in urls:
            store.upsert_feed(url, origin="cli", now=now)
        for _ in ("cold", "warm"):
            before = hosts.connections
            started = time.perf_counter()
            report = asyncio.run(poll_feeds(store, config, store.feeds()))
            seconds = time.perf_counter() - started
            passes.append(
                Pass(
                    seconds,
                    hosts.connections - before,
                    f"{report.ok} ok, {report.not_modified} not modified, "
                    f"{len(report.errors)} failed, {report.new_articles} new",
                )
            )
        store.close()
    return passes[0], passes[1]


def bare_passes(
    hosts: FeedHosts, urls: list[str], etags: dict[str, str], bound: int
) -> tuple[Pass, Pass]:
    with ProcessPoolExecutor(2, mp_context=get_context("forkserver")) as parser:
        before, started = hosts.connections, time.perf_counter()
        full, _ = asyncio.run(bare_poll(urls, {}, bound, parser))
        cold = Pass(time.perf_counter() - started, hosts.connections - before, f"{full} 200")
    before, started = hosts.connections, time.perf_counter()
    _, not_modified = asyncio.run(bare_poll(urls, etags, bound, None))
    warm = Pass(time.perf_counter() - started, hosts.connections - before, f"{not_modified} 304")
    return cold, warm


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 50.0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--per-host", type=int, default=FetchConfig().per_host)
    args = parser.parse_args()
    bodies = corpus_bodies()
    config = FetchConfig(per_host=args.per_host)
    print(
        f"{args.feeds} feeds ({len(bodies)} distinct bodies) on {args.hosts} loopback hosts; "
        f"concurrency {config.concurrency}, per_host {config.per_host}"
    )
    for latency in args.latency:
        hosts = start_feed_hosts(bodies, args.hosts, latency)
        try:
            urls = [f"{hosts.bases[n % args.hosts]}/feed/{n}" for n in range(args.feeds)]
            etags = {u: etag_of(bodies[int(u.rsplit("/", 1)[1]) % len(bodies)]) for u in urls}
            ours: list[tuple[Pass, Pass]] = []
            bare: list[tuple[Pass, Pass]] = []
            for _ in range(args.repeat):
                ours.append(our_passes(hosts, urls, config))
                bare.append(bare_passes(hosts, urls, etags, config.concurrency))
        finally:
            hosts.process.terminate()
        report(latency, ours, bare)
    return 0


def report(latency: float, ours: list[tuple[Pass, Pass]], bare: list[tuple[Pass, Pass]]) -> None:
    print(f"\n== {latency:g} ms per response ==")
    for index, name in enumerate(("cold", "warm")):
        mine = [run[index] for run in ours]
        theirs = [run[index] for run in bare]
        ratios = [m.seconds / t.seconds for m, t in zip(mine, theirs, strict=True)]
        baseline = "bare httpx + feedparser (defaults, 2 processes)" if name == "cold" else (
            "bare httpx"
        )  # fmt: skip
        print(
            f"{name}: poll cycle {spread([m.seconds for m in mine])} s ({mine[-1].summary}), "
            f"{mine[-1].connections} connections"
        )
        print(
            f"      {baseline}: {spread([t.seconds for t in theirs])} s ({theirs[-1].summary}), "
            f"{theirs[-1].connections} connections"
        )
        print(f"      ratio: {spread(ratios)}")


if __name__ == "__main__":
    sys.exit(main())
