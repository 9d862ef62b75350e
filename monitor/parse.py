"""Bytes and files → articles. Pure: no database, no network.

Three inputs: RSS/Atom/RDF documents (feedparser), the seed article format (YAML front
matter with `related:` items, or plain text with "Published <date>"), and JSONL articles
in the shape of ../shared/eval.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import io
import json
import re
import xml.sax
import zlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import feedparser
import frontmatter
import nh3
import yaml
from dateutil import parser as dateparser
from feedparser.encodings import convert_to_utf8

from monitor.fastfeed import EntryFields, FeedFields, parse_fast
from monitor.models import Article, ParsedFeed


class ParseError(Exception):
    """A document that yields no articles, with a reason a person can act on."""


class HostileFeedError(ParseError):
    """A document with a DTD that could make feedparser expand entities without bound."""


# --- text helpers -----------------------------------------------------------------------

_BLOCK_END = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/h[1-6]|/blockquote|/tr)\b[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str | None) -> str:
    """Plain text from feed HTML: tags dropped, entities decoded, paragraphs kept apart."""
    if not markup:
        return ""
    if "<" in markup:
        markup = _BLOCK_END.sub("\n\n", markup)
        markup = nh3.clean(markup, tags=set())
    if "&" in markup:
        markup = html.unescape(markup)
    markup = _SPACES.sub(" ", markup)
    return _BLANK_LINES.sub("\n\n", markup).strip()


def parse_date(value: object) -> datetime | None:
    """A datetime in UTC from a date, datetime or date string; None if it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = dateparser.parse(str(value))
        except (ValueError, OverflowError):
            return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the end of the calendar in UTC
        return None


# --- feeds ------------------------------------------------------------------------------

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_HTML_START = re.compile(rb"<!DOCTYPE\s+html|<html[\s>]", re.IGNORECASE)


def _decodings(body: bytes, headers: Mapping[str, str]) -> list[bytes]:
    """The body as feedparser will read it (UTF-8 after its own decoding), and raw.

    Checking feedparser's own decoding means a declaration hidden in UTF-16, UTF-32,
    EBCDIC or UTF-7 is seen just as feedparser would see it.
    """
    views = [body]
    # feedparser's decoder has no narrow error type; if it fails, the raw view remains.
    with contextlib.suppress(Exception):
        views.append(convert_to_utf8(dict(headers), body, {}))
    if b"\x00" in body[:4096]:
        views.append(body.replace(b"\x00", b""))
    return views


def refuse_hostile_xml(body: bytes, headers: Mapping[str, str] | None = None) -> None:
    """Raise HostileFeedError for a DTD internal subset or an entity declaration.

    feedparser 6.0.14 re-parses such a document with its loose parser, which expands
    entities without bound (a 160 KB feed became a 2 GB string). Feeds have no use for them.
    """
    for view in _decodings(body, headers or {}):
        if _ENTITY_DECLARATION.search(view) or _INTERNAL_SUBSET.search(view):
            raise HostileFeedError(
                "refused: the document declares a DTD internal subset or entities"
                " (an entity-expansion attack, or a feed no reader needs to expand)"
            )


def _struct_to_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _feedparser_fields(entry: Any) -> EntryFields:
    contents = entry.get("content") or []
    source = entry.get("source") or {}
    # dict.get, not entry.get: feedparser's own get() maps `updated` to `published` with
    # a DeprecationWarning when only one exists.
    published = _struct_to_datetime(dict.get(entry, "published_parsed")) or _struct_to_datetime(
        dict.get(entry, "updated_parsed")
    )
    return EntryFields(
        title=entry.get("title") or "",
        link=entry.get("link") or None,
        guid=entry.get("id") or None,
        summary=entry.get("summary") or "",
        content=contents[0].get("value") if contents else None,
        published=published,
        source_title=source.get("title") or None,
    )


def _article(fields: EntryFields, feed_title: str | None, origin: str | None) -> Article:
    """One article from an entry's fields, whichever parser read them."""
    summary = html_to_text(fields.summary)
    body = html_to_text(fields.content)
    return Article(
        title=html_to_text(fields.title),
        text=body if len(body) >= len(summary) else summary,
        summary=summary,
        url=fields.link or None,
        guid=fields.guid or None,
        published=fields.published,
        outlet=fields.source_title or feed_title,
        origin=origin,
    )


def _parsed_feed(
    feed: FeedFields, origin: str | None, warning: str | None = None, malformed: str | None = None
) -> ParsedFeed:
    feed_title = html_to_text(feed.title) or None
    link = feed.link or None
    articles = [_article(entry, feed_title, origin or link) for entry in feed.entries]
    return ParsedFeed(
        title=feed_title,
        link=link,
        version=feed.version,
        articles=[a for a in articles if a.title or a.text],
        warning=warning,
        malformed=malformed,
    )


def parse_feed(
    body: bytes,
    base_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    origin: str | None = None,
    *,
    fast: bool = True,
) -> ParsedFeed:
    """Parse one RSS/Atom/RDF document. Raises ParseError if it is not a usable feed.

    A well-formed feed is read by the fast path (fastfeed.py), anything it refuses by
    feedparser; `fast=False` always uses feedparser. Both give the same articles."""
    if not body.strip():
        raise ParseError("empty document")
    refuse_hostile_xml(body, headers)
    if fast:
        fields = parse_fast(body, base_url, headers or {})
        if fields is not None:
            return _parsed_feed(fields, origin)
    return _parse_with_feedparser(body, base_url, headers, origin)


def _parse_with_feedparser(
    body: bytes, base_url: str | None, headers: Mapping[str, str] | None, origin: str | None
) -> ParsedFeed:
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if base_url:
        # Relative links in the feed resolve against where it was really fetched from.
        response_headers["content-location"] = base_url
    # Sanitising and URI rewriting inside HTML are ~60 % of feedparser's time; text is
    # reduced to plain text here and sanitised with nh3 where it is shown instead.
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=response_headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version = result.get("version") or ""
    bozo = result.get("bozo_exception") if result.get("bozo") else None
    if not version:
        if _HTML_START.search(body[:2048]):
            raise ParseError("not a feed: the server sent an HTML page")
        if isinstance(bozo, xml.sax.SAXException):
            raise ParseError(f"malformed XML: {bozo.getMessage()}")
        raise ParseError("not a feed: no RSS, Atom or RDF root element")
    feed = result.get("feed") or {}
    fields = FeedFields(
        title=feed.get("title") or "",
        link=feed.get("link") or None,
        version=version,
        entries=[_feedparser_fields(entry) for entry in result["entries"]],
    )
    malformed = warning = None
    # HTML entities such as &nbsp; are undefined in XML but common in real feeds, and the
    # loose parser reads them right: a warning, not an error.
    if isinstance(bozo, xml.sax.SAXException) and "undefined entity" not in bozo.getMessage():
        # feedparser's loose parser recovered what it could; keep it, but say so.
        entries = sum(
            1 for entry in fields.entries if entry.title or entry.summary or entry.content
        )
        malformed = f"malformed XML: {bozo.getMessage()} ({entries} entries recovered)"
    elif bozo is not None:
        warning = f"{type(bozo).__name__}: {bozo}"
    return _parsed_feed(fields, origin, warning=warning, malformed=malformed)


# --- the seed format --------------------------------------------------------------------

_PUBLISHED = re.compile(
    r"^\W*(?:First\s+)?Published:?\s+([A-Z][a-z]{2,8}\.? \d{1,2}, \d{4})", re.MULTILINE
)
# Lines that are page furniture, not the article.
_FURNITURE = re.compile(r"^(?:.* Hide|Advertisement|Share this article|Featured Video)$")
_END_OF_BODY = re.compile(r"^(?:Read more\b|Related\b|Share this article|\*?First Published)")
_SENTENCE_END = re.compile(r"[.!?:]['’\"”)]?$")


def _front_matter_article(item: Mapping[str, Any], origin: str) -> Article:
    provider = item.get("provider") or {}
    return Article(
        title=str(item.get("title") or "").strip(),
        text=html_to_text(str(item.get("excerpt") or item.get("text") or "")),
        summary=html_to_text(str(item.get("excerpt") or "")),
        url=item.get("webUrl") or item.get("url") or None,
        guid=item.get("webUrl") or item.get("url") or None,
        published=parse_date(item.get("publishedDateTime") or item.get("published")),
        outlet=provider.get("name") if isinstance(provider, Mapping) else None,
        origin=origin,
    )


def _plain_text_article(text: str, origin: str) -> Article:
    """A saved article page: the title is the first headline-like line before the date."""
    lines = [line.strip() for line in text.splitlines()]
    match = _PUBLISHED.search(text)
    head_end = text[: match.start()].count("\n") if match else min(len(lines), 12)
    title = next(
        (
            line
            for line in lines[:head_end]
            if len(line.split()) >= 5 and not _SENTENCE_END.search(line) and "/" not in line
        ),
        next((line for line in lines if line), ""),
    )
    body_lines: list[str] = []
    for line in lines[head_end + 1 if match else 0 :]:
        if _END_OF_BODY.match(line):
            break
        if line.startswith("Published ") or _FURNITURE.match(line):
            continue
        body_lines.append(line)
    body = _BLANK_LINES.sub("\n\n", "\n".join(body_lines)).strip()
    return Article(
        title=title,
        text=body,
        summary=body.split("\n\n", 1)[0],
        published=parse_date(match.group(1)) if match else None,
        origin=origin,
    )


def parse_seed(text: str, origin: str) -> list[Article]:
    """The seed article format: front matter (with `related:` items) or plain text."""
    if text.lstrip().startswith("---"):
        try:
            post = frontmatter.loads(text)
        except yaml.YAMLError as exc:
            raise ParseError(f"front matter is not valid YAML: {exc}") from None
        meta = post.metadata
        if not meta.get("title"):
            raise ParseError("front matter has no title")
        articles = [_front_matter_article(meta, origin)]
        related = meta.get("related")
        for item in related if isinstance(related, list) else []:
            if isinstance(item, Mapping) and item.get("title"):
                articles.append(_front_matter_article(item, origin))
        return articles
    article = _plain_text_article(text, origin)
    if not article.title or not article.text:
        raise ParseError("no article text found")
    return [article]


# --- JSONL (the ../shared/eval shape) ---------------------------------------------------


def jsonl_article(record: Mapping[str, Any], origin: str) -> Article:
    """One JSON object with id, published, title, text and optional url, outlet."""
    missing = [key for key in ("title", "text") if not isinstance(record.get(key), str)]
    if missing:
        raise ParseError(f"missing or non-text field(s): {', '.join(missing)}")
    return Article(
        title=record["title"].strip(),
        text=record["text"].strip(),
        summary=str(record.get("summary") or ""),
        url=record.get("url") or None,
        guid=str(record["id"]) if record.get("id") is not None else None,
        published=parse_date(record.get("published")),
        outlet=record.get("outlet") or None,
        origin=origin,
    )


def parse_jsonl(text: str, origin: str) -> tuple[list[Article], list[str]]:
    """Articles from JSON lines, and one message per line that is not an article."""
    articles: list[Article] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ParseError("not a JSON object")
            articles.append(jsonl_article(record, origin))
        except (json.JSONDecodeError, ParseError) as exc:
            problems.append(f"line {number}: {exc}")
    return articles, problems


# --- files ------------------------------------------------------------------------------

FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf", ".feed"})
TEXT_SUFFIXES = frozenset({".txt", ".md"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def _decompress(data: bytes, suffix: str) -> bytes:
    try:
        if suffix == ".gz" or data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        return zlib.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ParseError(f"cannot decompress {suffix} file: {exc}") from None


def _looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return head.startswith(b"<") or b"<\x00?\x00x\x00m\x00l" in data[:64]


def parse_file(path: Path) -> tuple[list[Article], list[str]]:
    """Articles from one file, chosen by its name and first bytes; raises ParseError."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".gz", ".z"):
        data = _decompress(data, suffix)
        suffix = Path(path.stem).suffix.lower()
    origin = str(path.resolve())
    if suffix in JSONL_SUFFIXES or (suffix not in FEED_SUFFIXES and data.lstrip()[:1] == b"{"):
        return parse_jsonl(_utf8(data), origin)
    if suffix in FEED_SUFFIXES or _looks_like_xml(data):
        feed = parse_feed(data, origin=None)
        # Entries without a feed link are scoped to this file for guid dedupe.
        articles = [a if a.origin else replace(a, origin=origin) for a in feed.articles]
        return articles, [feed.malformed] if feed.malformed else []
    if suffix in TEXT_SUFFIXES:
        return parse_seed(_utf8(data), origin), []
    raise ParseError(
        f"unsupported file type {suffix or '(no extension)'}: not a feed, seed or JSONL"
    )


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text: {exc}") from None
