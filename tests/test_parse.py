"""Parsing feeds, seed articles and JSONL into articles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.parse import (
    HostileFeedError,
    ParseError,
    html_to_text,
    parse_feed,
    parse_file,
    parse_jsonl,
    refuse_hostile_xml,
)
from tests.conftest import FIXTURES, SEEDS

FEEDS = FIXTURES / "feeds"


def test_rss_entries_become_plain_text_articles() -> None:
    feed = parse_feed((FEEDS / "rekognition.rss").read_bytes(), "https://wire.example.org/feed.xml")
    assert feed.version == "rss20" and feed.title == "Tech Policy Wire"
    first, second, third = feed.articles
    assert first.title == "Amazon pauses police use of Rekognition for a year"
    lead = "Amazon announced a one-year moratorium on police use of Rekognition."
    assert first.text == lead + "\n\nSecond paragraph."
    assert first.published == datetime(2020, 6, 11, 12, 30, tzinfo=UTC)
    assert first.guid == "wire-1001" and first.outlet == "Tech Policy Wire"
    # A relative link resolves against where the feed was fetched from.
    assert second.url == "https://wire.example.org/2020/06/council-cameras"
    assert third.url is None and third.guid is None and third.text == "Only words here."


def test_atom_content_is_preferred_to_summary() -> None:
    (entry,) = parse_feed((FEEDS / "extension.atom").read_bytes()).articles
    assert entry.text.startswith("Amazon will keep its ban")
    assert entry.guid == "urn:example:desk:entry:77"


@pytest.mark.parametrize(
    "name", ["entity-bomb.rss", "entity-bomb-utf16.rss", "entity-bomb-cp037.rss"]
)
def test_entity_declarations_are_refused_in_any_encoding(name: str) -> None:
    body = (FEEDS / name).read_bytes()
    with pytest.raises(HostileFeedError, match="DTD internal subset or entities"):
        parse_feed(body)


def test_external_doctype_without_subset_is_fine() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel>'
        b"<title>t</title><item><title>x</title><link>https://a.example/x</link></item>"
        b"</channel></rss>"
    )
    refuse_hostile_xml(body)
    assert parse_feed(body).articles[0].url == "https://a.example/x"


def test_html_error_page_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="HTML page"):
        parse_feed((FEEDS / "error-page.html").read_bytes())


def test_xml_that_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="no RSS, Atom or RDF root"):
        parse_feed(b'<?xml version="1.0"?><catalog><book/></catalog>')


def test_malformed_xml_is_flagged_and_recovered_entries_kept() -> None:
    body = b'<rss version="2.0"><channel><title>t</title><item><title>Kept</title></item><item>'
    feed = parse_feed(body)
    assert feed.malformed is not None and feed.malformed.startswith("malformed XML")
    assert [a.title for a in feed.articles] == ["Kept"]


def test_empty_body_is_an_error() -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_feed(b"  \n")


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    assert (
        html_to_text("<p>A &amp; B</p><script>evil()</script><p>C&nbsp;D</p>") == "A & B\n\nC\xa0D"
    )


def test_plain_text_seed_takes_title_and_date_from_the_text() -> None:
    (article,), problems = parse_file(SEEDS / "000_9dcebddac0d98754.txt")
    assert problems == []
    assert article.title.startswith("Amazon says it will continue to ban police use")
    assert article.published == datetime(2021, 5, 18, tzinfo=UTC)
    assert article.text.startswith("Amazon will reportedly continue to halt police use")
    # Page furniture and the trailing list of other headlines are not the article.
    assert "Advertisement Hide" not in article.text
    assert "Democrats reintroduce bill" not in article.text
    assert article.text.endswith("You can read all of the Reuters report here.")


def test_front_matter_seed_yields_each_related_item() -> None:
    articles, _ = parse_file(SEEDS / "002_f21aecca74f41d48.txt")
    assert len(articles) == 8
    assert articles[0].outlet == "Nasdaq"
    assert {a.outlet for a in articles[1:]} >= {"HotNewHipHop", "Mic", "Reason", "WRCB"}


def test_jsonl_reports_bad_lines_and_keeps_good_ones() -> None:
    text = (FIXTURES / "files" / "mixed.jsonl").read_text(encoding="utf-8")
    articles, problems = parse_jsonl(text, "mixed.jsonl")
    assert [a.guid for a in articles] == ["a1", "a3"]
    assert articles[1].published == datetime(2021, 5, 20, 10, tzinfo=UTC)
    assert problems == [
        "line 2: Expecting value: line 1 column 1 (char 0)",
        "line 3: missing or non-text field(s): text",
    ]


def test_unknown_binary_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"unsupported file type \.png"):
        parse_file(FIXTURES / "files" / "picture.png")


def test_gzip_feed_file_is_read(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "feed.xml.gz"
    path.write_bytes(gzip.compress((FEEDS / "extension.atom").read_bytes()))
    articles, _ = parse_file(path)
    assert len(articles) == 1
