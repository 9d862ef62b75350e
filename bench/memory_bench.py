"""Peak memory of one poll cycle against hostile and heavy feeds (figures, not assertions).

    .venv/bin/python -m bench.memory_bench [--bombs 32] [--near-cap 40] [--budget MIB]

Two cases, each in a fresh process so that one peak does not hide the other:
1. bombs: N feeds that each send a gzip bomb (256 MiB of spaces, 250 KB on the wire)
   with Content-Encoding: gzip, all in one cycle. The size cap trips on every one; the
   question is what each costs before it does.
2. near-cap: N valid feeds of just under `fetch.max_bytes` (10 MiB) each.

Printed per case: the polling process's peak RSS (getrusage), its RSS before the cycle,
and the peak of the process with its parse workers (sampled from /proc every 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.daemon_bench import tree_rss_kb

BOMB_INFLATED = 256 * 1024 * 1024
MAX_BYTES = 10 * 1024 * 1024


def gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    block = b" " * (1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, packer.flush()])


def near_cap_feed(n: int) -> bytes:
    """A valid RSS feed of 20 items, just under MAX_BYTES in all."""
    words = "facial recognition ban moratorium police city council vote "
    text = (words * (MAX_BYTES // 20 // len(words)))[: MAX_BYTES // 20 - 600]
    items = "".join(
        f"<item><title>Feed {n} item {i}</title><link>https://near.example/{n}/{i}</link>"
        f"<description>{text}</description></item>"
        for i in range(20)
    )
    return f'<rss version="2.0"><channel><title>Feed {n}</title>{items}</channel></rss>'.encode()


def _serve(port: int) -> None:
    bomb = gzip_bomb(BOMB_INFLATED)
    near = {n: near_cap_feed(n) for n in range(64)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            kind, _, number = self.path.strip("/").partition("/")
            if kind == "bomb":
                body, extra = bomb, {"Content-Encoding": "gzip"}
            else:
                body, extra = near[int(number) % len(near)], {}
            self.send_response(200)
            for name, value in {"Content-Type": "application/rss+xml", **extra}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    server.serve_forever()


def start_server() -> tuple[str, multiprocessing.Process]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,), daemon=True)
    process.start()
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return f"http://127.0.0.1:{port}", process


def poll_case(base: str, kind: str, count: int, budget: int | None) -> dict[str, object]:
    """One cycle over `count` feeds of one kind, in this process; its memory figures."""
    from monitor.config import FetchConfig
    from monitor.pipeline import poll_feeds
    from monitor.store import Store

    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_tree_kb = 0
    sampling = threading.Event()

    def sample() -> None:  # parse workers are the forkserver's children, not ours
        nonlocal peak_tree_kb
        while not sampling.is_set():
            peak_tree_kb = max(peak_tree_kb, tree_rss_kb(os.getpid())[1])
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "m.db")
        now = datetime.now(UTC)
        for n in range(count):
            store.upsert_feed(f"{base}/{kind}/{n}", origin="config", now=now)
        config = FetchConfig(timeout=120, max_bytes=MAX_BYTES)
        if budget is not None:
            config = config.model_copy(update={"max_bytes_in_flight": budget * 1024 * 1024})
        started = time.monotonic()
        report = asyncio.run(poll_feeds(store, config, store.feeds()))
        elapsed = time.monotonic() - started
        store.close()
    sampling.set()
    sampler.join()
    return {
        "case": kind,
        "feeds": count,
        "ok": report.ok,
        "errors": sorted({e.error for e in report.errors}),
        "seconds": round(elapsed, 1),
        "rss_before_mb": round(before_kb / 1024),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_tree_mb": round(peak_tree_kb / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bombs", type=int, default=32)
    parser.add_argument("--near-cap", type=int, default=40)
    parser.add_argument("--budget", type=int, help="fetch.max_bytes_in_flight, in MiB")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case here
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(poll_case(args.base, args.case, args.count, args.budget)))
        return
    base, server = start_server()
    try:
        for kind, count in (("bomb", args.bombs), ("near", args.near_cap)):
            out = subprocess.run(
                [sys.executable, "-m", "bench.memory_bench", "--case", kind, "--base", base,
                 "--count", str(count), *(["--budget", str(args.budget)] if args.budget else [])],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{kind:>5} x{count}: peak RSS {figures['peak_rss_mb']} MB "
                f"(before the cycle {figures['rss_before_mb']} MB; with parse workers "
                f"{figures['peak_tree_mb']} MB), {figures['ok']} ok, "
                f"{figures['seconds']} s; errors: {figures['errors']}"
            )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
