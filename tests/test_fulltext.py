"""The whole article behind a feed item: a feed on 127.0.0.1 whose item says little, and
the page it links to (also on 127.0.0.1) that reports the ban."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import FetchConfig
from monitor.fulltext import complete_articles, extract_main_text
from monitor.store import Store, iso
from tests.conftest import LocalServer, send
from tests.web_fixtures import serving

PAGE = b"""<!doctype html><html><head><title>Springfield bans police facial recognition</title>
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sports">Sports</a></nav>
<article>
<h1>Springfield bans police facial recognition</h1>
<p>The Springfield City Council voted 7-0 on Tuesday to ban police use of facial
recognition technology, making it the latest city to outlaw the software.</p>
<p>Council member Ana Ruiz, who sponsored the ordinance, said the technology was too
error-prone to be trusted with decisions about people's liberty. The police department
said it had used the software in a handful of investigations over the past two years.</p>
<p>Civil liberties groups welcomed the vote and urged neighbouring towns to follow.</p>
</article>
<footer>Copyright Springfield Gazette. All rights reserved. Subscribe today.</footer>
</body></html>"""


def feed(server: LocalServer, page_path: str) -> bytes:
    link = server.url(page_path)
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>
<link>{server.base}/</link><description>d</description>
<item><title>Springfield council: the facial recognition ordinance</title>
<link>{link}</link><guid>{link}</guid>
<description>City council news</description>
<pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate></item>
<item><title>Springfield library opens a new wing</title>
<link>{server.url("/library")}</link><description>City news</description>
<pubDate>Tue, 01 Dec 2026 11:00:00 GMT</pubDate></item>
</channel></rss>""".encode()


def monitor(tmp_path: Path, server: LocalServer, *, full_text: bool) -> list[str]:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f"[fetch]\nfull_text = {'true' if full_text else 'false'}\n"
        f'[[feeds]]\nurl = "{server.url("/feed.xml")}"\n',
        encoding="utf-8",
    )
    return ["--config", str(config), "--db", str(tmp_path / "m.db")]


def run(base: list[str], *args: str) -> str:
    result = CliRunner().invoke(cli, [*base, *args])
    assert result.exit_code == 0, result.output
    return result.output


def serve_article(server: LocalServer) -> None:
    server.routes["/feed.xml"] = lambda h: send(h, feed(server, "/2026/ban"))
    server.routes["/2026/ban"] = lambda h: send(
        h, PAGE, headers={"Content-Type": "text/html; charset=utf-8"}
    )


def test_the_linked_page_reports_the_ban_the_feed_only_hints_at(
    server: LocalServer, tmp_path: Path
) -> None:
    serve_article(server)
    base = monitor(tmp_path, server, full_text=True)
    run(base, "fetch")
    run(base, "evaluate")
    [change] = json.loads(run(base, "timeline", "--json"))
    assert (change["actor"], change["change"], change["status_after"]) == (
        "Springfield",
        "imposed",
        "ban",
    )
    # The evidence is the page's (its headline or a sentence of it), not the feed's.
    page_text = extract_main_text(PAGE, server.url("/2026/ban"))
    assert page_text is not None and change["evidence"] in page_text
    assert change["evidence"] not in feed(server, "/2026/ban").decode()
    # Only the item the keywords picked out had its page fetched.
    fetched = [path for path, _ in server.requests]
    assert "/2026/ban" in fetched and "/library" not in fetched


def test_without_full_text_the_feed_item_alone_reports_nothing(
    server: LocalServer, tmp_path: Path
) -> None:
    serve_article(server)
    base = monitor(tmp_path, server, full_text=False)
    run(base, "fetch")
    run(base, "evaluate")
    assert json.loads(run(base, "timeline", "--json")) == []
    assert "/2026/ban" not in [path for path, _ in server.requests]


def test_a_page_that_fails_leaves_the_item_evaluated_on_the_feed(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/feed.xml"] = lambda h: send(h, feed(server, "/gone"))
    base = monitor(tmp_path, server, full_text=True)
    run(base, "fetch")
    assert "2 articles" in run(base, "evaluate")
    db = tmp_path / "m.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, text, error FROM article_pages").fetchall()
        unevaluated = conn.execute("SELECT count(*) FROM articles WHERE evaluated_at IS NULL")
        assert unevaluated.fetchone()[0] == 0
    assert rows == [(server.url("/gone"), None, "HTTP 404 Not Found")]
    # Tried once: the next pass does not fetch it again.
    run(base, "evaluate")
    assert [p for p, _ in server.requests].count("/gone") == 1


def test_extraction_keeps_the_article_and_drops_the_furniture() -> None:
    text = extract_main_text(PAGE, "http://127.0.0.1/2026/ban")
    assert text is not None and "voted 7-0 on Tuesday" in text
    assert "Subscribe today" not in text and "Sports" not in text
    assert extract_main_text(b"<html><body><p>Cookies?</p></body></html>", "http://x/") is None


def test_pages_obey_the_ssrf_guard(store: Store, server: LocalServer) -> None:
    """With allow_private = false a page on a private address is refused, not fetched."""
    serve_article(server)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    store.db.execute(
        "INSERT INTO feeds (id, url, added_at) VALUES (1, ?, ?)", [server.url("/f"), iso(now)]
    )
    store.db.execute(
        "INSERT INTO articles (url, content_hash, title, text, feed_id, fetched_at)"
        " VALUES (?, 'h', 'Council ordinance', '', 1, ?)",
        [server.url("/2026/ban"), iso(now)],
    )
    config = FetchConfig(allow_private=False)
    report = asyncio.run(complete_articles(store, lambda text: True, config, lambda: now))
    assert report.fetched == 0 and report.failed == 1
    assert "private" in report.errors[0] or "loopback" in report.errors[0]
    assert "/2026/ban" not in [path for path, _ in server.requests]


def test_the_story_page_says_whether_the_whole_article_was_read(
    server: LocalServer, tmp_path: Path
) -> None:
    serve_article(server)
    base = monitor(tmp_path, server, full_text=True)
    run(base, "fetch")
    run(base, "evaluate")
    [change] = json.loads(run(base, "timeline", "--json"))
    with serving(tmp_path / "m.db") as url:
        story = httpx.get(f"{url}/story/{change['story']}", timeout=10).text
    assert "whole article read" in story
