"""Narrow HTTP edge cases of fetch.py, with respx standing in for the network."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import respx

from monitor.config import FetchConfig
from monitor.fetch import Fetcher, FetchRequest, FetchResult, retry_after_seconds

URL = "https://feeds.example.org/rss"
CONFIG = FetchConfig(max_bytes=1000)


def fetch(request: FetchRequest) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(CONFIG) as fetcher:
            return await fetcher.fetch(request)

    return asyncio.run(go())


@respx.mock
def test_connection_error_is_a_message() -> None:
    respx.get(URL).mock(side_effect=httpx.ConnectError("connection refused"))
    result = fetch(FetchRequest(URL))
    assert result.error == "ConnectError: connection refused" and result.body is None


@respx.mock
def test_declared_length_over_the_cap_is_refused_before_reading() -> None:
    respx.get(URL).mock(
        return_value=httpx.Response(200, headers={"Content-Length": "5000"}, content=b"x" * 5000)
    )
    assert fetch(FetchRequest(URL)).error == "body too large: 5000 bytes declared, limit 1000"


@respx.mock
def test_validators_are_sent_and_user_agent_names_us() -> None:
    route = respx.get(URL).mock(return_value=httpx.Response(304))
    result = fetch(FetchRequest(URL, etag='W/"abc"', last_modified="Tue, 18 May 2021 21:18:00 GMT"))
    assert result.not_modified and result.error is None
    sent = route.calls.last.request.headers
    assert sent["If-None-Match"] == 'W/"abc"'
    assert sent["If-Modified-Since"] == "Tue, 18 May 2021 21:18:00 GMT"
    assert sent["User-Agent"].startswith("policy-monitor/")


@respx.mock
def test_429_carries_retry_after() -> None:
    respx.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "120"}))
    result = fetch(FetchRequest(URL))
    assert result.error == "HTTP 429 Too Many Requests" and result.retry_after_s == 120


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    header = format_datetime(now + timedelta(minutes=5), usegmt=True)
    assert retry_after_seconds(header, now.timestamp()) == 300
    assert retry_after_seconds("garbage", now.timestamp()) is None
    assert retry_after_seconds(None, now.timestamp()) is None


@respx.mock
def test_a_redirect_to_a_private_address_is_refused_when_not_allowed() -> None:
    metadata = "http://169.254.169.254/latest/meta-data/"
    respx.get(URL).mock(return_value=httpx.Response(302, headers={"Location": metadata}))
    stolen = respx.get(metadata).mock(return_value=httpx.Response(200, content=b"secret"))

    async def go() -> FetchResult:
        async with Fetcher(CONFIG.model_copy(update={"allow_private": False})) as fetcher:
            return await fetcher.fetch(FetchRequest(URL))

    result = asyncio.run(go())
    assert not stolen.called
    assert (result.error or "").startswith("refused redirect: http://169.254.169.254/")
