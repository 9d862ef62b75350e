"""HTTP: one conditional GET per feed → bytes and headers. No parsing, no database.

Bounded concurrency is ours, not httpx's: a long queue of waiters on httpx's pool is
slow (DESIGN.md: 8–9 s against 3.5 s for 1,000 local feeds), so a global semaphore
sized to the pool and one per host gate every request.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin

import httpx

from monitor.body import (
    ACCEPT_ENCODING,
    BodyError,
    BodyTooLarge,
    ByteBudget,
    expected_size,
    inflater_for,
    read_capped,
)
from monitor.config import FetchConfig
from monitor.targets import RefusedURL, check_fetch_url, refuse_private_host, shown

__all__ = ["BodyTooLarge", "ByteBudget", "FetchRequest", "FetchResult", "Fetcher"]

# Idle connections a host's pool keeps beyond `per_host`: for the hosts it redirects to.
KEEPALIVE_SPARE = 2
# Bytes read from a body we throw away (a 304, an error page) to keep its connection.
DRAIN_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one GET. Exactly one of body, not_modified or error is set."""

    url: str
    final_url: str
    elapsed_ms: int
    status_code: int | None = None
    body: bytes | None = None
    not_modified: bool = False
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after_s: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Bytes of the fetcher's ByteBudget this body holds until Fetcher.release(result).
    reserved: int = 0


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


class Fetcher:
    """An httpx.AsyncClient with the limits of FetchConfig. Use as an async context.

    With a `budget`, each body holds its size of it from its headers until the caller
    calls `release(result)`; without one, bodies are only capped one by one.
    """

    def __init__(
        self,
        config: FetchConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: ByteBudget | None = None,
    ):
        self.config = config
        self.budget = budget
        self._global = asyncio.Semaphore(config.concurrency)
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(config.per_host)
        )
        self._transport = transport
        # One client (one connection pool) per host: httpcore walks every connection of
        # a pool for each request, which over 20 hosts' 40 connections was half the CPU of
        # a warm pass. The TLS context (loading CA certificates) is built once, not per host.
        self._tls = httpx.create_ssl_context() if transport is None else None
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _client(self, host: str) -> httpx.AsyncClient:
        """The client for one host (for all hosts where a test gives a transport)."""
        key = host if self._transport is None else ""
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._new_client()
        return client

    def _new_client(self) -> httpx.AsyncClient:
        config = self.config
        return httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=config.max_redirects,
            timeout=httpx.Timeout(config.timeout),
            # Our semaphores bound the requests in flight; the pool only keeps a host's
            # connections for its next request (`per_host` of them, and a few for the
            # hosts it redirects to). Unread 304s and a pool smaller than the hosts in
            # play both made every request a new connection.
            limits=httpx.Limits(
                max_connections=None, max_keepalive_connections=config.per_host + KEEPALIVE_SPARE
            ),
            headers={
                "User-Agent": config.user_agent,
                "Accept": "application/rss+xml, application/atom+xml, application/rdf+xml, "
                "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            verify=self._tls if self._tls is not None else True,
            transport=self._transport,
            event_hooks={"response": [self._check_redirect]},
        )

    async def _check_redirect(self, response: httpx.Response) -> None:
        """Runs on every response before httpx follows it: a redirect goes only to
        another http(s) URL (never javascript:, data:, file:, ...), with a valid port."""
        if not response.has_redirect_location:
            return
        location = response.headers["location"]
        try:
            target = urljoin(str(response.url), location.strip())
            host = check_fetch_url(target)
        except (RefusedURL, ValueError) as exc:
            raise RefusedURL(f"refused redirect to {shown(location)}: {exc}") from None
        if not self.config.allow_private:
            try:
                await refuse_private_host(host, target)
            except RefusedURL as exc:
                raise RefusedURL(f"refused redirect: {exc}") from None

    async def fetch(self, request: FetchRequest) -> FetchResult:
        """GET one feed within the concurrency limits and an overall deadline. Every
        failure is the result's error, never an exception."""
        started = time.monotonic()
        try:
            host = check_fetch_url(request.url)
            if not self.config.allow_private:
                await refuse_private_host(host, request.url)
        except RefusedURL as exc:
            return _failure(request, started, str(exc))
        host = host.lower()
        async with self._global, self._per_host[host]:
            started = time.monotonic()
            try:
                # A total deadline as well as httpx's per-read timeout: a server that
                # trickles one byte a second never trips a read timeout.
                async with asyncio.timeout(self.config.timeout) as deadline:
                    return await self._get(self._client(host), request, started, deadline)
            except TimeoutError:
                return _failure(request, started, f"timed out after {self.config.timeout:g} s")
            except httpx.TooManyRedirects:
                return _failure(
                    request,
                    started,
                    f"too many redirects (more than {self.config.max_redirects}; a loop?)",
                )
            except httpx.TimeoutException:
                return _failure(request, started, f"timed out after {self.config.timeout:g} s")
            except (BodyError, RefusedURL) as exc:
                return _failure(request, started, str(exc))
            except httpx.HTTPError as exc:
                return _failure(request, started, f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # httpx.InvalidURL, OverflowError, ...: this feed only
                return _failure(request, started, f"{type(exc).__name__}: {exc}")

    def release(self, result: FetchResult) -> None:
        """The body's bytes are no longer held (its articles are stored, or dropped)."""
        if self.budget is not None and result.reserved:
            self.budget.release(result.reserved)

    async def _get(
        self,
        client: httpx.AsyncClient,
        request: FetchRequest,
        started: float,
        deadline: asyncio.Timeout,
    ) -> FetchResult:
        headers = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        async with client.stream("GET", request.url, headers=headers) as response:
            received = FetchResult(
                url=request.url,
                final_url=str(response.url),
                elapsed_ms=0,
                status_code=response.status_code,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                headers=dict(response.headers),
            )
            if response.status_code == 304:
                await _drain(response)
                return replace(received, elapsed_ms=_ms(started), not_modified=True)
            if response.status_code >= 400:
                await _drain(response)
                retry_after = retry_after_seconds(response.headers.get("retry-after"), time.time())
                return replace(
                    received,
                    elapsed_ms=_ms(started),
                    error=f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                    retry_after_s=retry_after,
                )
            body, reserved = await self._read_body(response, deadline)
            return replace(received, elapsed_ms=_ms(started), body=body, reserved=reserved)

    async def _read_body(
        self, response: httpx.Response, deadline: asyncio.Timeout
    ) -> tuple[bytes, int]:
        """The decoded body within the cap, and the bytes of the budget it holds."""
        cap = self.config.max_bytes
        declared = response.headers.get("content-length")
        if (
            declared
            and declared.isdigit()
            and int(declared) > cap
            and not response.headers.get("content-encoding")
        ):
            raise BodyTooLarge(f"body too large: {int(declared)} bytes declared, limit {cap}")
        inflater = inflater_for(response.headers)
        reserved = await self._reserve(expected_size(response.headers, cap), deadline)
        try:
            # Raw chunks, decoded here: the cap counts after decompression and stops it.
            body = await read_capped(response.aiter_raw(), inflater, cap)
        except BaseException:
            self._unreserve(reserved)
            raise
        kept = min(len(body), reserved)
        self._unreserve(reserved - kept)
        return body, kept

    async def _reserve(self, size: int, deadline: asyncio.Timeout) -> int:
        if self.budget is None:
            return 0
        loop = asyncio.get_running_loop()
        left = (deadline.when() or loop.time()) - loop.time()
        # Waiting for memory is not the server being slow: the deadline stops meanwhile.
        deadline.reschedule(None)
        try:
            return await self.budget.reserve(size)
        finally:
            deadline.reschedule(loop.time() + left)

    def _unreserve(self, size: int) -> None:
        if self.budget is not None and size:
            self.budget.release(size)


async def _drain(response: httpx.Response) -> None:
    """Read a body we do not keep (a 304's empty one, an error page), so that httpx
    returns the connection to the pool: a streamed response left unread is closed, and
    every conditional GET would cost a new connection (DESIGN.md). A body longer than
    DRAIN_LIMIT is not worth reading; that connection is closed instead."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read > DRAIN_LIMIT:
            return


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _failure(request: FetchRequest, started: float, error: str) -> FetchResult:
    return FetchResult(url=request.url, final_url=request.url, elapsed_ms=_ms(started), error=error)
