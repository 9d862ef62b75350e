"""Bodies within bounds: decompression streamed into the size cap (a gzip bomb costs at
most the cap), and a byte budget that bounds the bodies of all feeds in flight."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

import monitor.pipeline
from monitor.body import BodyError, BodyTooLarge, ByteBudget, Inflater, inflater_for, read_capped
from monitor.config import FetchConfig
from monitor.fetch import Fetcher, FetchRequest, FetchResult
from monitor.pipeline import poll_feeds
from monitor.store import Store
from tests.conftest import FIXTURES, LocalServer, send

RSS = (FIXTURES / "feeds" / "rekognition.rss").read_bytes()
MIB = 1024 * 1024


def gzip_bomb(inflated: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * MIB
    return b"".join([*(packer.compress(block) for _ in range(inflated // MIB)), packer.flush()])


async def chunks(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def read(data: bytes, encoding: str, cap: int) -> bytes:
    return asyncio.run(read_capped(chunks(data), inflater_for({"content-encoding": encoding}), cap))


def test_gzip_deflate_and_raw_deflate_decode_in_pieces() -> None:
    assert read(gzip.compress(RSS), "gzip", len(RSS)) == RSS
    assert read(gzip.compress(RSS) + gzip.compress(RSS), "x-gzip", 2 * len(RSS)) == RSS + RSS
    assert read(zlib.compress(RSS), "deflate", len(RSS)) == RSS
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert read(raw.compress(RSS) + raw.flush(), "deflate", len(RSS)) == RSS
    assert read(RSS, "identity", len(RSS)) == RSS


def test_the_cap_counts_after_decoding() -> None:
    with pytest.raises(BodyTooLarge, match="after decompression"):
        read(gzip.compress(RSS), "gzip", len(RSS) - 1)


def test_an_inflater_never_returns_more_than_asked() -> None:
    inflater = Inflater("gzip")
    assert len(inflater.decode(gzip_bomb(8 * MIB), 1000)) == 1001


def test_unsupported_or_corrupt_encodings_are_errors() -> None:
    with pytest.raises(BodyError, match="unsupported Content-Encoding: br"):
        inflater_for({"content-encoding": "br"})
    with pytest.raises(BodyError, match="cannot decode the gzip body"):
        read(b"not gzip at all", "gzip", 1000)


def test_a_gzip_bomb_costs_at_most_the_cap(server: LocalServer) -> None:
    bomb = gzip_bomb(100 * MIB)  # ~100 KB on the wire: one network chunk inflates to ~64 MB
    server.routes["/bomb"] = lambda h: send(h, bomb, headers={"Content-Encoding": "gzip"})
    config = FetchConfig(max_bytes=MIB, timeout=10)

    async def fetch() -> FetchResult:
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(FetchRequest(server.url("/bomb")))

    tracemalloc.start()
    try:
        result = asyncio.run(fetch())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error == f"body too large: more than {MIB} bytes after decompression"
    assert peak < 8 * MIB


def test_a_byte_budget_waits_for_room_and_lets_a_large_body_through_alone() -> None:
    async def scenario() -> list[str]:
        budget, events = ByteBudget(100), []

        async def take(name: str, size: int, hold: float) -> None:
            await budget.reserve(size)
            events.append(f"+{name}")
            await asyncio.sleep(hold)
            budget.release(size)
            events.append(f"-{name}")

        await asyncio.gather(
            take("a", 60, 0.05), take("b", 60, 0.01), take("huge", 500, 0.01), take("c", 30, 0)
        )
        assert budget.used == 0
        return events

    events = asyncio.run(scenario())
    assert events.index("+b") > events.index("-a")  # b did not fit beside a
    assert events.index("+huge") > max(events.index("-a"), events.index("-b"))  # alone
    assert events.index("+c") < events.index("-a")  # c fitted beside a


def test_bodies_in_flight_stay_within_the_budget(
    store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    budgets: list[ByteBudget] = []
    peaks: list[int] = []

    class Watched(ByteBudget):
        def __init__(self, capacity: int) -> None:
            super().__init__(capacity)
            budgets.append(self)

        async def reserve(self, size: int) -> int:
            reserved = await super().reserve(size)
            peaks.append(self.used)
            return reserved

    monkeypatch.setattr(monitor.pipeline, "ByteBudget", Watched)
    padded = RSS.replace(b"Second paragraph.", b"pad " * 10_000)  # ~43 KB each
    gzipped = {"Content-Encoding": "gzip"}
    for n in range(8):
        body = padded.replace(b"wire-100", f"f{n}-".encode()).replace(b"amazon-pause", b"p%d" % n)
        packed = gzip.compress(body)
        server.routes[f"/f{n}"] = lambda h, packed=packed: send(h, packed, headers=gzipped)
    now = datetime.now(UTC)
    for n in range(8):
        store.upsert_feed(server.url(f"/f{n}"), origin="config", now=now)
    config = FetchConfig(max_bytes=64 * 1024, max_bytes_in_flight=150 * 1024, parse_workers=1)
    report = asyncio.run(poll_feeds(store, config, store.feeds()))
    assert (report.ok, report.errors) == (8, [])
    [budget] = budgets
    assert max(peaks) <= 150 * 1024 and budget.used == 0
