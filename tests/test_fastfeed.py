"""The fast parse path (fastfeed.py) against feedparser: the same articles from every
well-formed feed of ../shared/feeds (real/ and feedparser's own wellformed/ corpus), and
refusal of everything it does not read the way feedparser does."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from monitor.fastfeed import parse_fast
from monitor.models import Article
from monitor.parse import ParseError, parse_feed
from tests.conftest import SHARED

REAL = SHARED / "feeds" / "real"
WELLFORMED = SHARED / "feeds" / "feedparser-tests" / "wellformed"
# How feedparser's corpus says which headers to serve a file with (see SOURCES.md).
_HEADER = re.compile(rb"^Header:\s*([^:\r\n]+):\s*(.*?)\s*$", re.MULTILINE)
BASE = "http://127.0.0.1:8097/tests/"


def corpus_files() -> list[Path]:
    files = [p for p in sorted(REAL.glob("*")) if p.is_file()] if REAL.is_dir() else []
    if WELLFORMED.is_dir():
        files += sorted(WELLFORMED.rglob("*.xml"))
    return files


def served(path: Path, content_type: str | None = None) -> tuple[bytes, dict[str, str], str]:
    """The body, the headers it is served with, and the URL it is fetched from."""
    body = path.read_bytes()
    if path.suffix == ".gz":
        body = gzip.decompress(body)
    headers = {}
    if path.is_relative_to(WELLFORMED):
        head = body[: body.find(b"-->")] if b"-->" in body else b""
        headers = {m[1].decode().lower(): m[2].decode() for m in _HEADER.finditer(head)}
        return body, headers, BASE + str(path.relative_to(WELLFORMED.parent))
    if content_type is not None:
        headers["content-type"] = content_type
    return body, headers, f"https://feeds.example.org/{path.name}"


Read = tuple[str | None, str | None, str, list[Article], str | None] | None


def both(path: Path, content_type: str | None = None) -> tuple[Read, Read]:
    """What each path reads: the feed's title, link, version, articles and malformed
    error (not feedparser's warnings, such as a missing Content-Type: the fast path reads
    nothing it would warn about), or None for a ParseError."""
    body, headers, url = served(path, content_type)
    results: list[Read] = []
    for fast in (True, False):
        try:
            feed = parse_feed(body, url, headers, origin=url, fast=fast)
        except ParseError:
            results.append(None)
        else:
            results.append((feed.title, feed.link, feed.version, feed.articles, feed.malformed))
    return results[0], results[1]


@pytest.mark.slow
@pytest.mark.parametrize("content_type", [None, "application/rss+xml", "text/xml"])
def test_both_paths_give_the_same_articles_on_every_well_formed_feed(
    content_type: str | None,
) -> None:
    # Each file as the corpus serves it (feedparser's tests carry their own headers), and
    # the real feeds also as servers send them: feedparser decodes by RFC 3023's rules.
    files = corpus_files()
    if not files:
        pytest.skip("../shared/feeds is absent")
    if content_type is not None:
        files = [path for path in files if not path.is_relative_to(WELLFORMED)]
    differ, fast_read = [], 0
    for path in files:
        body, headers, url = served(path, content_type)
        fast_read += parse_fast(body, url, headers) is not None
        fast, slow = both(path, content_type)
        if fast != slow:
            differ.append(path)
    assert differ == []
    # The fast path must not refuse everything: most real feeds are its to read.
    assert fast_read > len(files) / 3


RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Feed</title><link>https://news.example/</link>
<item><title>Council bans cameras</title><link>/2020/06/ban</link>
<guid isPermaLink="false">42</guid><pubDate>Thu, 11 Jun 2020 12:30:00 GMT</pubDate>
<description>&lt;p&gt;The council &lt;b&gt;voted&lt;/b&gt;.&lt;/p&gt;</description></item>
</channel></rss>"""


def test_the_fast_path_reads_a_plain_rss_feed() -> None:
    feed = parse_fast(RSS, "https://news.example/feed.xml", {})
    assert feed is not None and feed.version == "rss20"
    (entry,) = feed.entries
    assert entry.link == "https://news.example/2020/06/ban"  # resolved against the base
    assert entry.guid == "42"  # isPermaLink="false": not resolved
    assert (
        entry.published is not None and entry.published.isoformat() == "2020-06-11T12:30:00+00:00"
    )
    assert entry.summary == "<p>The council <b>voted</b>.</p>"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (RSS.replace(b"</channel>", b"<item><title>x</title></channel"), "malformed XML"),
        (RSS.replace(b"<rss ", b'<rss xml:base="https://other.example/" '), "xml:base"),
        (RSS.replace(b"utf-8", b"iso-8859-1").replace(b"bans", b"b\xe4ns"), "not UTF-8"),
        (RSS.replace(b"<title>Council", b"<title>&nbsp;Council"), "an HTML entity"),
        (RSS.replace(b"</item>", b"<pubDate>Fri, 12 Jun 2020</pubDate></item>"), "a date twice"),
        (RSS.replace(b'version="2.0"', b'version="0.91"'), "RSS 0.91 (its flavour is a DTD's)"),
        (
            RSS.replace(b"<item>", b'<item><content type="xhtml"><div>x</div></content>'),
            "XHTML content",
        ),
    ],
)
def test_the_fast_path_leaves_to_feedparser_what_it_may_read_otherwise(
    body: bytes, why: str
) -> None:
    assert parse_fast(body, "https://news.example/feed.xml", {}) is None, why


def test_the_fast_path_loads_no_dtd_and_expands_no_entity(tmp_path: Path) -> None:
    # An external DTD that would define &secret; (the hostile-XML guard refuses internal
    # subsets before either path): lxml must neither load it nor expand the entity.
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "leaked">', encoding="utf-8")
    external = RSS.replace(b"<rss ", f'<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">\n<rss '.encode())
    assert parse_fast(external.replace(b"Council", b"&secret;"), None, {}) is None
    feed = parse_fast(external, None, {})
    assert feed is not None and feed.entries[0].title == "Council bans cameras"
    with pytest.raises(ParseError):
        parse_feed(RSS.replace(b"<rss ", b'<!DOCTYPE rss [<!ENTITY a "b">]><rss '))
