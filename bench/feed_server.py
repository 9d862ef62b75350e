"""A local feed server for the benchmarks, in its own process so it does not share the
client's GIL: /feed/<n> serves real feed n mod len(feeds), with an ETag (a matching
If-None-Match gets 304); /tiny/<n> a one-item feed of its own.
`start_feed_server(bodies)` returns (base URL, process); `start_feed_hosts(bodies, hosts,
latency_ms)` listens on 127.0.0.1, 127.0.0.2, ... (all loopback on Linux), waits
`latency_ms` before each answer, as a distant server would, and counts the connections
it accepts."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import socket
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "feeds" / "real"


def corpus_bodies() -> list[bytes]:
    """The real feeds, or (where ../shared is absent) one small built-in feed."""
    files = sorted(p for p in CORPUS.glob("*") if p.is_file()) if CORPUS.is_dir() else []
    if files:
        return [p.read_bytes() for p in files]
    items = "".join(
        f"<item><title>Item {i}</title><link>https://bench.example/{i}</link></item>"
        for i in range(20)
    )
    return [f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _serve(
    port: int,
    bodies: list[bytes],
    hosts: list[str] | None = None,
    latency_ms: float = 0.0,
    connections: Synchronized[int] | None = None,
) -> None:
    """A minimal asyncio HTTP/1.1 server (keep-alive, GET only): one thread, no per-request
    threads, so a thousand connections at once do not swamp it."""
    tags = [etag_of(b) for b in bodies]

    def response(path: str, if_none_match: str | None) -> bytes:
        if path.startswith("/tiny/"):
            return _ok(tiny_feed(path.rsplit("/", 1)[1]))
        try:
            index = int(path.rsplit("/", 1)[1]) % len(bodies)
        except ValueError:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        if if_none_match == tags[index]:
            return f"HTTP/1.1 304 Not Modified\r\nETag: {tags[index]}\r\n\r\n".encode()
        body = bodies[index]
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nETag: {tags[index]}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if connections is not None:
            with connections.get_lock():
                connections.value += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                if latency_ms:
                    await asyncio.sleep(latency_ms / 1000)
                writer.write(response(path, headers.get("if-none-match")))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(
            handle, hosts or ["127.0.0.1"], port, backlog=4096, reuse_address=True
        )
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def tiny_feed(name: str) -> bytes:
    """A one-item feed of its own, for tests of many feeds rather than of parsing."""
    return (
        f'<rss version="2.0"><channel><title>Feed {name}</title>'
        f"<item><title>Item of feed {name}</title><link>https://bench.example/{name}</link>"
        f"<description>Nothing to see in feed {name}.</description></item></channel></rss>"
    ).encode()


def _ok(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


def start_feed_server(bodies: list[bytes]) -> tuple[str, multiprocessing.Process]:
    hosts = start_feed_hosts(bodies, 1)
    return hosts.bases[0], hosts.process


@dataclass
class FeedHosts:
    bases: list[str]  # http://127.0.0.N:port, one per host
    process: multiprocessing.Process
    _connections: Synchronized[int]

    @property
    def connections(self) -> int:
        """TCP connections accepted so far, over all hosts."""
        return self._connections.value


def start_feed_hosts(bodies: list[bytes], hosts: int, latency_ms: float = 0.0) -> FeedHosts:
    """One server process listening on 127.0.0.1 ... 127.0.0.<hosts>, one port."""
    addresses = [f"127.0.0.{n}" for n in range(1, hosts + 1)]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    context = multiprocessing.get_context("spawn")
    connections = context.Value("i", 0)
    process = context.Process(
        target=_serve, args=(port, bodies, addresses, latency_ms, connections), daemon=True
    )
    process.start()
    for _ in range(100):
        try:
            socket.create_connection((addresses[-1], port), timeout=0.1).close()
            break
        except OSError:
            process.join(0.05)
    with connections.get_lock():
        connections.value = 0  # not the probes
    return FeedHosts([f"http://{a}:{port}" for a in addresses], process, connections)
