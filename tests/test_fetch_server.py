"""One poll cycle against a real HTTP server on 127.0.0.1: every way a feed goes wrong."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import pytest

from monitor.config import FetchConfig
from monitor.parsing import ParsePool
from monitor.pipeline import PollReport, poll_feeds
from monitor.store import Store
from tests.conftest import FIXTURES, LocalServer, send

FEEDS = FIXTURES / "feeds"
RSS = (FEEDS / "rekognition.rss").read_bytes()
CONFIG = FetchConfig(timeout=2, max_bytes=64 * 1024, max_redirects=3, parse_workers=1)


def poll(store: Store, urls: list[str], config: FetchConfig = CONFIG) -> PollReport:
    now = datetime.now(UTC)
    for url in urls:
        store.upsert_feed(url, origin="config", now=now)
    feeds = [f for f in store.feeds() if f.url in urls]
    return asyncio.run(poll_feeds(store, config, feeds))


def feed_error(store: Store, url: str) -> str | None:
    row = store.feed_by_url(url)
    assert row is not None
    return row.last_error


def test_200_with_etag_then_304(store: Store, server: LocalServer) -> None:
    def conditional(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            send(handler, b"", 304, {"ETag": '"v1"'})
        else:
            send(
                handler,
                RSS,
                headers={"ETag": '"v1"', "Last-Modified": "Thu, 11 Jun 2020 12:30:00 GMT"},
            )

    server.routes["/feed.xml"] = conditional
    url = server.url("/feed.xml")
    first = poll(store, [url])
    assert (first.ok, first.new_articles, first.errors) == (1, 3, [])
    second = poll(store, [url])
    assert (second.not_modified, second.new_articles) == (1, 0)
    # The second request carried both validators the first response gave.
    headers = server.requests[-1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Thu, 11 Jun 2020 12:30:00 GMT"
    outcomes = [r["outcome"] for r in store.db.query("SELECT outcome FROM fetch_log ORDER BY id")]
    assert outcomes == ["ok", "not_modified"]
    # A relative link in the feed resolved against the server's URL.
    urls = {r["url"] for r in store.db.query("SELECT url FROM articles")}
    assert server.url("/2020/06/council-cameras") in urls


def test_http_errors_are_per_feed_and_do_not_stop_the_cycle(
    store: Store, server: LocalServer
) -> None:
    server.routes["/ok.xml"] = lambda h: send(h, RSS)
    server.routes["/500.xml"] = lambda h: send(h, b"oops", 500, {"Content-Type": "text/plain"})
    urls = [server.url("/ok.xml"), server.url("/404.xml"), server.url("/500.xml")]
    report = poll(store, urls)
    assert report.ok == 1 and report.new_articles == 3
    assert feed_error(store, urls[1]) == "HTTP 404 Not Found"
    assert feed_error(store, urls[2]) == "HTTP 500 Internal Server Error"
    failing = store.feed_by_url(urls[2])
    assert failing is not None and failing.error_count == 1


def test_backoff_grows_with_consecutive_failures(store: Store, server: LocalServer) -> None:
    server.routes["/500.xml"] = lambda h: send(h, b"oops", 500)
    url = server.url("/500.xml")
    config = CONFIG.model_copy(update={"default_interval": 60.0})
    dues = []
    for _ in range(3):
        poll(store, [url], config)
        row = store.feed_by_url(url)
        assert row is not None and row.next_due_at and row.last_polled_at
        dues.append(
            (
                datetime.fromisoformat(row.next_due_at) - datetime.fromisoformat(row.last_polled_at)
            ).total_seconds()
        )
    assert dues[0] == pytest.approx(120, abs=2) and dues[1] == pytest.approx(240, abs=2)
    assert dues[2] == pytest.approx(480, abs=2)


def test_retry_after_is_honoured(store: Store, server: LocalServer) -> None:
    server.routes["/busy.xml"] = lambda h: send(h, b"", 503, {"Retry-After": "7200"})
    url = server.url("/busy.xml")
    poll(store, [url])
    row = store.feed_by_url(url)
    assert row is not None and row.next_due_at and row.last_polled_at
    wait = datetime.fromisoformat(row.next_due_at) - datetime.fromisoformat(row.last_polled_at)
    assert wait.total_seconds() >= 7199


def test_redirect_loop(store: Store, server: LocalServer) -> None:
    server.routes["/a"] = lambda h: send(h, b"", 302, {"Location": "/b"})
    server.routes["/b"] = lambda h: send(h, b"", 302, {"Location": "/a"})
    poll(store, [server.url("/a")])
    assert "too many redirects" in (feed_error(store, server.url("/a")) or "")


def test_redirect_is_followed_and_links_resolve_against_final_url(
    store: Store, server: LocalServer
) -> None:
    server.routes["/old"] = lambda h: send(h, b"", 301, {"Location": "/new/feed.xml"})
    server.routes["/new/feed.xml"] = lambda h: send(h, RSS)
    report = poll(store, [server.url("/old")])
    assert report.new_articles == 3
    log = next(iter(store.db.query("SELECT final_url FROM fetch_log")))
    assert log["final_url"] == server.url("/new/feed.xml")


def test_slow_response_times_out(store: Store, server: LocalServer) -> None:
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(RSS)))
        handler.end_headers()
        try:
            for byte in RSS[:40]:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.1)  # never idle long enough to trip a read timeout
        except (BrokenPipeError, ConnectionResetError):
            pass

    server.routes["/slow.xml"] = trickle
    config = CONFIG.model_copy(update={"timeout": 1.0})
    started = time.monotonic()
    poll(store, [server.url("/slow.xml")], config)
    assert time.monotonic() - started < 3.5
    assert feed_error(store, server.url("/slow.xml")) == "timed out after 1 s"


def test_oversized_body_is_refused(store: Store, server: LocalServer) -> None:
    big = RSS.replace(b"Second paragraph.", b"x" * (CONFIG.max_bytes + 10))
    server.routes["/big.xml"] = lambda h: send(h, big)
    poll(store, [server.url("/big.xml")])
    assert (feed_error(store, server.url("/big.xml")) or "").startswith("body too large")


def test_gzip_body_is_decoded(store: Store, server: LocalServer) -> None:
    server.routes["/gz.xml"] = lambda h: send(
        h, gzip.compress(RSS), headers={"Content-Encoding": "gzip"}
    )
    report = poll(store, [server.url("/gz.xml")])
    assert (report.ok, report.new_articles) == (1, 3)


def test_gzip_bomb_is_capped_after_decompression(store: Store, server: LocalServer) -> None:
    bomb = gzip.compress(RSS.replace(b"Second paragraph.", b" " * (1024 * 1024)))
    assert len(bomb) < CONFIG.max_bytes  # small on the wire, large once inflated
    server.routes["/bomb.gz"] = lambda h: send(h, bomb, headers={"Content-Encoding": "gzip"})
    poll(store, [server.url("/bomb.gz")])
    assert "after decompression" in (feed_error(store, server.url("/bomb.gz")) or "")


def test_html_error_page_is_a_clear_error(store: Store, server: LocalServer) -> None:
    page = (FEEDS / "error-page.html").read_bytes()
    server.routes["/maint"] = lambda h: send(h, page, headers={"Content-Type": "text/html"})
    poll(store, [server.url("/maint")])
    assert feed_error(store, server.url("/maint")) == "not a feed: the server sent an HTML page"


def test_entity_bomb_is_refused(store: Store, server: LocalServer) -> None:
    bomb = (FEEDS / "entity-bomb-utf16.rss").read_bytes()
    server.routes["/bomb.xml"] = lambda h: send(
        h, bomb, headers={"Content-Type": "application/xml"}
    )
    poll(store, [server.url("/bomb.xml")])
    assert "entities" in (feed_error(store, server.url("/bomb.xml")) or "")
    assert store.count("articles") == 0


def test_malformed_xml_is_an_error_but_recovered_entries_are_kept(
    store: Store, server: LocalServer
) -> None:
    broken = b'<rss version="2.0"><channel><title>t</title><item><title>Kept</title><link>https://k.example/1</link></item><item>'
    server.routes["/broken.xml"] = lambda h: send(h, broken)
    report = poll(store, [server.url("/broken.xml")])
    assert (feed_error(store, server.url("/broken.xml")) or "").startswith("malformed XML")
    assert report.new_articles == 1


def test_process_pool_parses_many_feeds(store: Store, server: LocalServer) -> None:
    for n in range(6):
        body = RSS.replace(b"wire-100", f"feed{n}-".encode()).replace(
            b"amazon-pause", f"p{n}".encode()
        )
        server.routes[f"/f{n}.xml"] = lambda h, body=body: send(h, body)
    urls = [server.url(f"/f{n}.xml") for n in range(6)]
    now = datetime.now(UTC)
    for url in urls:
        store.upsert_feed(url, origin="config", now=now)
    # Every body counts as large: all six are parsed by the two worker processes.
    with ParsePool(2, inline_bytes=0) as parser:
        report = asyncio.run(poll_feeds(store, CONFIG, store.feeds(), parser=parser))
        assert parser.processes_running
    assert report.ok == 6 and report.errors == []
    assert report.new_articles + report.duplicates == 18  # 3 entries a feed, all parsed


@pytest.mark.parametrize(
    "location",
    [
        "javascript:alert(1)",
        "data:application/rss+xml,<rss/>",
        "mailto:someone@example.org",
        "file:///etc/passwd",
        "http://127.0.0.1:99999/feed.xml",
        "http://[::1",
    ],
)
def test_a_bad_redirect_is_that_feeds_error_and_the_cycle_goes_on(
    store: Store, server: LocalServer, location: str
) -> None:
    server.routes["/ok.xml"] = lambda h: send(h, RSS)
    server.routes["/moved"] = lambda h: send(h, b"", 302, {"Location": location})
    ok, moved = server.url("/ok.xml"), server.url("/moved")
    report = poll(store, [moved, ok])
    assert (report.ok, report.new_articles) == (1, 3)
    assert [e.path for e in report.errors] == [moved]
    row = store.feed_by_url(moved)
    assert row is not None and row.error_count == 1 and row.last_error
    assert "redirect" in row.last_error


def test_a_stored_url_with_an_impossible_port_is_that_feeds_error(
    store: Store, server: LocalServer
) -> None:
    server.routes["/ok.xml"] = lambda h: send(h, RSS)
    bad = "http://127.0.0.1:99999/feed.xml"  # e.g. from an OPML file or `fetch --feed`
    report = poll(store, [bad, server.url("/ok.xml")])
    assert report.ok == 1 and [e.path for e in report.errors] == [bad]
    assert "port out of range" in (feed_error(store, bad) or "").lower()


def test_an_unexpected_exception_in_one_feed_is_recorded_and_the_cycle_goes_on(
    store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.pipeline

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    server.routes["/ok.xml"] = lambda h: send(h, RSS)
    server.routes["/other.xml"] = lambda h: send(h, RSS.replace(b"wire-100", b"other-"))
    real = monitor.pipeline.next_due
    calls = iter([broken, real, real, real])
    monkeypatch.setattr(monitor.pipeline, "next_due", lambda *a, **k: next(calls)(*a, **k))
    report = poll(store, [server.url("/ok.xml"), server.url("/other.xml")])
    assert len(report.errors) == 1 and "RuntimeError: a bug" in report.errors[0].error


def test_private_addresses_are_refused_when_not_allowed(store: Store, server: LocalServer) -> None:
    server.routes["/ok.xml"] = lambda h: send(h, RSS)
    config = CONFIG.model_copy(update={"allow_private": False})
    report = poll(store, [server.url("/ok.xml")], config)
    assert report.ok == 0 and server.requests == []
    assert "127.0.0.1 is a private address" in (feed_error(store, server.url("/ok.xml")) or "")


def test_304_and_error_answers_keep_their_connection(store: Store, server: LocalServer) -> None:
    # 20 feeds on one host, all answering 304 or an HTTP error: each body (empty, or a
    # short error page) is read, so each connection goes back to the pool and is reused.
    # Left unread, httpx closes it: one connection per request, 20 here.
    def conditional(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            send(handler, b"", 304, {"ETag": '"v1"'})
        else:
            send(handler, RSS, headers={"ETag": '"v1"'})

    paths = [f"/feed/{n}.xml" for n in range(10)]
    for path in paths:
        server.routes[path] = conditional
    errors = [f"/gone/{n}.xml" for n in range(10)]
    for path in errors:
        server.routes[path] = lambda h: send(
            h, b"<h1>Gone</h1>", 410, {"Content-Type": "text/html"}
        )
    urls = [server.url(p) for p in paths]
    poll(store, urls)  # now every feed holds an ETag
    before = server.connections

    report = poll(store, [*urls, *(server.url(p) for p in errors)])

    assert (report.not_modified, len(report.errors)) == (10, 10)
    # At most per_host connections at once to one host, and each one reused.
    assert server.connections - before <= CONFIG.per_host
