"""Running the daemon as a user does: a subprocess against local servers.

A feed server whose content the test changes over time (built from the seed articles),
a webhook receiver, an SMTP server, and helpers to start, stop and kill the daemon."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from monitor.models import Article
from monitor.parse import parse_file
from tests.conftest import SEEDS, LocalServer, send

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ROOT = Path(__file__).resolve().parent.parent


def seed_articles() -> tuple[list[Article], list[Article]]:
    """(the 2020 articles, the 2021 one)."""
    announced = parse_file(SEEDS / "002_f21aecca74f41d48.txt")[0]
    extended = parse_file(SEEDS / "000_9dcebddac0d98754.txt")[0]
    return announced, extended


def rss(articles: Iterable[Article]) -> bytes:
    items = []
    for index, article in enumerate(articles):
        guid = article.url or f"urn:policy-monitor-test:{index}"
        link = f"<link>{escape(article.url)}</link>" if article.url else ""
        date = format_datetime(article.published) if article.published else ""
        items.append(
            f"<item><title>{escape(article.title)}</title>{link}"
            f'<guid isPermaLink="false">{escape(guid)}</guid>'
            f"<pubDate>{date}</pubDate>"
            f"<description>{escape(article.text)}</description></item>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Seed news</title><link>https://news.example/</link>"
        f"<description>test feed</description>{''.join(items)}</channel></rss>"
    )
    return body.encode("utf-8")


class FeedSite:
    """/feed.xml serves whatever `articles` holds now, with ETag and 304s."""

    def __init__(self, server: LocalServer) -> None:
        self.articles: list[Article] = []
        server.routes["/feed.xml"] = self._serve
        server.post_routes["/hook"] = self._hook
        self.url = server.url("/feed.xml")
        self.hook_url = server.url("/hook")
        self.server = server

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        body = rss(self.articles)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        send(handler, body, 200, {"ETag": etag})

    @staticmethod
    def _hook(handler: BaseHTTPRequestHandler) -> None:
        send(handler, b"{}", 200, {"Content-Type": "application/json"})

    def webhooks(self) -> list[dict[str, Any]]:
        return [
            {"headers": p.headers, "body": p.body, "event": json.loads(p.body)}
            for p in list(self.server.posts)
            if p.path == "/hook"
        ]


def write_config(folder: Path, site: FeedSite, smtp_port: int, **daemon: str) -> Path:
    settings = {"tick": '"0.3s"', "evaluate_every": '"1s"', "deliver_every": '"0.5s"'} | {
        k: f'"{v}"' for k, v in daemon.items()
    }
    lines = [
        "[daemon]",
        *(f"{k} = {v}" for k, v in settings.items()),
        "poll_jitter = 0.0",
        'shutdown_grace = "10s"',
        "import_seeds = false",
        "[fetch]",
        # The seed articles' links point to news sites this sandbox cannot reach; the
        # article pages have tests of their own (test_fulltext.py).
        "full_text = false",
        "[delivery]",
        "max_age = 0",  # the seed articles are from 2020 and 2021
        'backoff_initial = "0.5s"',
        'timeout = "2s"',
        "[[feeds]]",
        f'url = "{site.url}"',
        'interval = "0.5s"',
        'topic = "facial-recognition"',
        "[[webhooks]]",
        f'url = "{site.hook_url}"',
        f'secret = "{SECRET}"',
        "[email]",
        'host = "127.0.0.1"',
        f"port = {smtp_port}",
        'security = "none"',
        'from = "monitor@example.org"',
        'to = ["desk@example.org"]',
        'schedule = "every 1s"',
    ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class DaemonProcess:
    def __init__(self, config: Path, db: Path, log: Path) -> None:
        self.args = [sys.executable, "-m", "monitor", "--config", str(config), "--db", str(db)]
        self.db = db
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.args, "run"],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def stop(self, timeout: float = 20) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no cleanup at all
        self.process.wait(timeout=10)

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [*self.args, *args], capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
