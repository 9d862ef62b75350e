"""Canonical URLs and article identity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.ingest import canonical_url, content_hash, guid_key, keyed
from monitor.models import Article, KeyedArticle
from monitor.store import Store

NASDAQ = "https://www.nasdaq.com/articles/amazon-bans-police-use-2020-06-11"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (NASDAQ, NASDAQ),
        (NASDAQ + "?amp", NASDAQ),
        (
            "https://www-nasdaq-com.cdn.ampproject.org/c/s/www.nasdaq.com/articles/"
            "amazon-bans-police-use-2020-06-11?amp",
            NASDAQ,
        ),
        (
            "https://www.mic.com/p/amazon-is-banning-22976063/amp",
            "https://www.mic.com/p/amazon-is-banning-22976063",
        ),
        ("https://mspoweruser.com/unlike-amazon/amp/", "https://mspoweruser.com/unlike-amazon"),
        ("https://hnhh.example/p.112270.html?_amp", "https://hnhh.example/p.112270.html"),
        ("https://example.com/amp/story-1", "https://example.com/story-1"),
        (
            "https://example.com/a?utm_source=rss&utm_medium=feed&id=3&fbclid=x&gclid=y#top",
            "https://example.com/a?id=3",
        ),
        ("HTTPS://Example.COM/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", [None, "", "ftp://example.com/x", "/relative/path", "mailto:a@b"])
def test_non_http_urls_have_no_canonical_form(url: str | None) -> None:
    assert canonical_url(url) is None


def test_amp_query_param_with_real_value_is_kept() -> None:
    # ?amp=chart is a real parameter on some sites, not the AMP switch.
    assert canonical_url("https://example.com/a?amp=chart") == "https://example.com/a?amp=chart"


def test_guid_scope() -> None:
    assert guid_key("https://a.example/1", "feed-a") == "https://a.example/1"
    assert guid_key("tag:a.example,2020:1", "feed-a") == "tag:a.example,2020:1"
    assert guid_key("1001", "feed-a") != guid_key("1001", "feed-b")
    assert guid_key(None, "feed-a") is None


def test_content_hash_ignores_spacing_and_case() -> None:
    one = Article(title="Amazon  extends ban", text="Until further\nnotice.")
    two = Article(title="amazon extends ban", text="until further notice.", url="https://x.example")
    three = Article(title="Amazon lifts ban", text="Until further notice.")
    assert content_hash(one) == content_hash(two) != content_hash(three)


def test_keyed_article_carries_the_keys_the_store_dedupes_by() -> None:
    article = Article(
        title="Council bans cameras",
        text="The council voted.",
        url="https://news.example/a/?utm_source=rss",
        guid="42",
        origin="https://news.example/feed",
    )
    keys = keyed(article)
    assert keys.article is article
    assert keys.canonical_url == "https://news.example/a"
    assert keys.guid_key == "https://news.example/feed#42"
    assert keys.content_hash == content_hash(article)


def test_the_store_trusts_keys_computed_in_a_parse_worker(store: Store) -> None:
    # The main process does not key a KeyedArticle again: two different articles given
    # the same content hash are one article to the store.
    first = Article(title="One", text="first text")
    second = Article(title="Two", text="second text")
    same_hash = [
        KeyedArticle(article, canonical_url=None, guid_key=None, content_hash="h")
        for article in (first, second)
    ]
    counts = store.insert_articles(same_hash, now=datetime.now(UTC))
    assert (counts.new, counts.duplicates) == (1, 1)
    # A plain Article is keyed by the store itself.
    assert store.insert_articles([second], now=datetime.now(UTC)).new == 1
