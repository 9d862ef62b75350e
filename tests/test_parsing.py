"""The parse pool: small bodies in a thread, large ones in workers started on demand and
stopped after a cycle that needed none."""

from __future__ import annotations

import asyncio

from monitor.ingest import keyed
from monitor.parse import parse_feed
from monitor.parsing import KeyedFeed, ParsePool, parse_keyed
from tests.conftest import FIXTURES

RSS = (FIXTURES / "feeds" / "rekognition.rss").read_bytes()
URL = "https://news.example/feed.xml"


def parse_all(pool: ParsePool, bodies: list[bytes]) -> list[KeyedFeed]:
    async def go() -> list[KeyedFeed]:
        return list(await asyncio.gather(*(pool.parse(b, URL, {}, URL) for b in bodies)))

    return asyncio.run(go())


def test_parse_keyed_is_parse_feed_with_the_keys() -> None:
    parsed = parse_keyed(RSS, URL, {}, URL)
    expected = [keyed(a) for a in parse_feed(RSS, URL, {}, origin=URL).articles]
    assert parsed.articles == expected and parsed.malformed is None


def test_small_bodies_start_no_worker_process() -> None:
    with ParsePool(2, inline_bytes=len(RSS)) as pool:
        feeds = parse_all(pool, [RSS] * 4)
        assert not pool.processes_running
    assert [len(f.articles) for f in feeds] == [3] * 4


def test_workers_start_for_large_bodies_and_stop_after_a_cycle_without_any() -> None:
    with ParsePool(2, inline_bytes=len(RSS) - 1) as pool:
        assert parse_all(pool, [RSS] * 2) == [parse_keyed(RSS, URL, {}, URL)] * 2
        assert pool.processes_running
        pool.end_cycle()  # this cycle used them: kept for the next
        assert pool.processes_running
        pool.end_cycle()  # a cycle with no large body: stopped
        assert not pool.processes_running
        parse_all(pool, [RSS])  # and started again on demand
        assert pool.processes_running
    assert not pool.processes_running


def test_one_worker_means_no_worker_process() -> None:
    with ParsePool(1, inline_bytes=0) as pool:
        parse_all(pool, [RSS])
        assert not pool.processes_running
