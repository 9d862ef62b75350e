"""The fast path for well-formed feeds: lxml straight to the fields parse.py makes articles
of, reading them exactly as feedparser would. Pure: no database, no network.

feedparser is ~70 % of a cold poll's CPU (issue 13); most of that is its SAX machinery
and `_urljoin` resolving every link and id. Real feeds are mostly well-formed UTF-8 RSS
2.0, RSS 1.0 or Atom 1.0, and for those this path reads the same titles, links, ids,
dates and text several times faster. It reads only what it is sure feedparser reads the
same way; anything else (malformed XML, another encoding, xml:base, XHTML content, a
field given twice or in a namespace whose meaning feedparser bends, Atom 0.3, CDF, ...)
is refused with None, and parse.py falls back to feedparser. tests/test_fastfeed.py runs
both over every well-formed file of ../shared/feeds and asserts the same articles.

The lxml parser resolves no entities, loads no DTD and touches no network; parse.py's
hostile-XML guard has refused internal subsets and entity declarations before either path.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from feedparser.datetimes import _parse_date  # the same dates as feedparser, by construction
from feedparser.urls import _urljoin
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
XML_BASE = b"xml:base"

_RSS_VERSIONS = {"0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
# feedparser maps C1 control characters to the characters windows-1252 has there.
_CP1252 = {
    b: bytes([b]).decode("cp1252")
    for b in range(0x80, 0xA0)
    if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_C1_CONTROL = re.compile("[\x80-\x9f]")
_ENTITY_LIKE = re.compile("&([A-Za-z0-9_]+);")
# An absolute http(s) URL that urllib's urljoin returns as it is: no empty query or
# fragment it would drop, no ;params, no IPv6 brackets, nothing it would strip or fix.
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[^/\s;?#\[\]]+(?:/[^\s;?#]*)?(?:\?[^\s;#]+)?(?:#[^\s;#]+)?\Z"
)
_HTML_LINK_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"'; ]+)", re.IGNORECASE)
_XML_TYPES = frozenset(
    {"application/xml", "application/xml-dtd", "application/xml-external-parsed-entity", "text/xml"}
)
# feedparser names an element by the prefix it knows for the namespace (the document's own
# prefix for one it does not know) and the lower-cased local name, and dispatches on that
# name: `<dc:title>` is read as a title, `<itunes:summary>` as a summary. Keys here are
# such names; the namespaces are those of feedparser 6's table that name our fields.
_PREFIXES = {
    "": "",
    RSS10: "",
    RSS090: "",
    ATOM: "",
    "http://purl.org/atom/ns#": "",
    "http://purl.org/rss/1.0/modules/rss091#": "",
    DC: "dc",
    DCTERMS: "dcterms",
    CONTENT: "content",
    "http://search.yahoo.com/mrss": "media",
    "http://search.yahoo.com/mrss/": "media",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes",
    "http://www.w3.org/1999/xhtml": "xhtml",
    RDF: "rdf",
}
Key = tuple[str, str]
_TITLE: frozenset[Key] = frozenset({("", "title"), ("dc", "title")})
_MEDIA_TITLE: Key = ("media", "title")
# A second one of these is read as content when there is no content yet.
_SUMMARY: frozenset[Key] = frozenset(
    {("", "description"), ("", "summary"), ("dc", "description"), ("media", "description"),
     ("itunes", "summary")}
)  # fmt: skip
# Content elements and the type feedparser assumes for each.
_CONTENT: dict[Key, str] = {
    ("content", "encoded"): "text/html",
    ("", "content"): "text/plain",
    ("", "fullitem"): "text/html",
}
_LINK: Key = ("", "link")
_GUID: frozenset[Key] = frozenset({("", "guid"), ("", "id")})
_PUBLISHED: frozenset[Key] = frozenset(
    {("", "pubdate"), ("", "published"), ("", "issued"), ("dcterms", "issued")}
)
_UPDATED: frozenset[Key] = frozenset(
    {("", "updated"), ("", "modified"), ("", "lastbuilddate"), ("dc", "date"),
     ("dcterms", "modified")}
)  # fmt: skip
_SOURCE: Key = ("", "source")
# Elements that change where feedparser files what follows, or that it reads in ways
# this module does not: never read here.
_REFUSED: frozenset[Key] = frozenset(
    {("", "item"), ("", "entry"), ("", "channel"), ("", "feed"), ("", "abstract"),
     ("", "body"), ("xhtml", "body"), ("", "image"), ("", "textinput"), ("", "info")}
)  # fmt: skip
# What an entry's element may hold nested inside it without this module reading it.
_NESTED_READ = _SUMMARY | {_MEDIA_TITLE}
_FIELDS = (
    _TITLE | _SUMMARY | _CONTENT.keys() | _GUID | _PUBLISHED | _UPDATED | _REFUSED
    | {_MEDIA_TITLE, _LINK, _SOURCE}
)  # fmt: skip


class Refused(Exception):
    """This document is not one the fast path reads like feedparser; use feedparser."""


@dataclass(frozen=True, slots=True)
class EntryFields:
    """One entry's fields, as feedparser gives them (before reduction to plain text)."""

    title: str = ""
    link: str | None = None
    guid: str | None = None
    summary: str = ""
    content: str | None = None
    published: datetime | None = None
    source_title: str | None = None


@dataclass(frozen=True, slots=True)
class FeedFields:
    title: str
    link: str | None
    version: str
    entries: list[EntryFields] = field(default_factory=list)


def parse_fast(body: bytes, base_url: str | None, headers: Mapping[str, str]) -> FeedFields | None:
    """The feed's fields, or None where feedparser must read it instead."""
    if base_url is None and any(k.lower() == "content-location" for k in headers):
        return None  # feedparser resolves against it, relative to a URL we do not have
    try:
        return _read(body, base_url or "", headers)
    except (Refused, etree.XMLSyntaxError):
        return None


def _read(body: bytes, base: str, headers: Mapping[str, str]) -> FeedFields:
    if XML_BASE in body:
        raise Refused("xml:base")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root = etree.fromstring(body, parser)
    # parse.py gives feedparser the base as a Content-Location header: headers, then.
    _check_encoding(
        headers, bool(headers) or bool(base), body, root.getroottree().docinfo.encoding or ""
    )
    ns, name = _split(root.tag)
    if (ns, name) == ("", "rss"):
        return _read_rss(root, base)
    if (ns, name) == (ATOM, "feed"):
        return _read_container(root, root, list(_children(root, ATOM, "entry")), base, "atom10")
    if (ns, name) == (RDF, "RDF"):
        return _read_rdf(root, base)
    raise Refused(f"root {root.tag}")


def _check_encoding(
    headers: Mapping[str, str], any_headers: bool, body: bytes, read_as: str
) -> None:
    """Accept only a document feedparser decodes as lxml did, as UTF-8 (or where it makes
    no difference: plain ASCII). feedparser follows RFC 3023: the HTTP charset first, and
    without one us-ascii for text/xml, iso-8859-1 where headers give no Content-Type at all.
    Its repairs of text depend on that encoding too."""
    if read_as.lower() not in ("utf-8", "utf8"):
        raise Refused(f"encoding {read_as}")
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if value is None:
        if any_headers and not _DECLARED.match(body) and not _ascii_only(body):
            raise Refused("no Content-Type: feedparser decodes as iso-8859-1")
        return
    media, _, params = value.partition(";")
    media = media.strip().lower()
    charset = _CHARSET.search(params)
    if charset is not None and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise Refused(f"charset {charset.group(1)}")
    if media in _XML_TYPES - {"text/xml"} or (
        media.startswith("application/") and media.endswith("+xml")
    ):
        return
    if media == "text/xml" or (media.startswith("text/") and media.endswith("+xml")):
        # No charset: us-ascii, and where that fails the declared encoding (UTF-8 here).
        if charset is None and body.isascii() and b"&#" in body:
            raise Refused("text/xml without charset: feedparser decodes as us-ascii")
        return
    raise Refused(f"content type {media}")


def _ascii_only(body: bytes) -> bool:
    """No byte, and no character reference, that any of these encodings reads apart."""
    return body.isascii() and b"&#" not in body


def _read_rss(root: Any, base: str) -> FeedFields:
    version = root.get("version", "")
    if version in _RSS_VERSIONS:
        name = _RSS_VERSIONS[version]
    elif version.startswith("2."):
        name = "rss20"
    else:
        raise Refused(f"rss version {version!r}")
    channels = list(root)
    if len(channels) != 1 or channels[0].tag != "channel":
        raise Refused("rss without exactly one channel")
    channel = channels[0]
    return _read_container(channel, root, list(_children(channel, "", "item")), base, name)


def _read_rdf(root: Any, base: str) -> FeedFields:
    namespace = RSS10 if root.find(f"{{{RSS10}}}channel") is not None else RSS090
    channel = root.find(f"{{{namespace}}}channel")
    if channel is None:
        raise Refused("rdf without a channel")
    items = list(_children(root, namespace, "item"))
    version = "rss10" if namespace == RSS10 else "rss090"
    return _read_container(channel, root, items, base, version)


def _read_container(
    container: Any,
    root: Any,
    items: list[Any],
    base: str,
    version: str,
) -> FeedFields:
    """The feed's own fields from `container`'s children, and each item's."""
    entries = [_read_entry(item, base, version) for item in items]
    # feedparser takes every item or entry anywhere in the document: ours must be all.
    everywhere = sum(1 for _ in root.iter(*_ENTRY_TAGS))
    if everywhere != len(items):
        raise Refused("items outside the channel")
    titles: list[Any] = []
    links: list[str | None] = []
    guids: list[Any] = []
    for child in container:
        if not isinstance(child.tag, str):
            continue
        key = _key(child)
        if key in (("", "item"), ("", "entry")):
            continue
        if key in _TITLE or key == _MEDIA_TITLE:
            _check_type(child, "text/plain")
            titles.append(child)
        elif key == _LINK:
            links.append(_link(child, base, entry=False))
        elif key in _GUID:
            guids.append(child)
        elif key in (("", "image"), ("", "textinput"), ("", "items")):
            continue  # filed under the feed's image or text input, not the feed
        elif key in _REFUSED or (len(child) and _holds_fields(child)):
            raise Refused(f"feed element {child.tag}")
    if len(titles) > 1 or len(guids) > 1:
        raise Refused("feed title or id twice")
    link = _last_link(links, guids[0] if guids else None, base)
    title = _text(titles[0]) if titles else ""
    return FeedFields(title=title, link=link or None, version=version, entries=entries)


_ENTRY_TAGS = ("item", "entry", f"{{{ATOM}}}entry", f"{{{RSS10}}}item", f"{{{RSS090}}}item")


def _read_entry(item: Any, base: str, version: str) -> EntryFields:
    """One entry, read as feedparser's handlers would read its elements in order."""
    titles: list[tuple[Any, int]] = []
    texts: list[tuple[Any, int]] = []  # summaries and contents, in document order
    links: list[str | None] = []  # link elements and atom:links (None: not an alternate)
    singles: dict[str, Any] = {}
    for element, depth in _elements(item):
        key = _key(element)
        if key in _TITLE or key == _MEDIA_TITLE:
            titles.append((element, depth))
        elif key in _SUMMARY or key in _CONTENT:
            texts.append((element, depth))
        elif depth > 1:
            raise Refused(f"{element.tag} inside another element")
        elif key == _LINK:
            links.append(_link(element, base, entry=True))
        else:
            kind = (
                "guid" if key in _GUID
                else "published" if key in _PUBLISHED
                else "updated" if key in _UPDATED
                else "source" if key == _SOURCE
                else "refused"
            )  # fmt: skip
            if kind == "refused" or kind in singles:
                raise Refused(f"entry {element.tag}")
            singles[kind] = element
    guid_element = singles.get("guid")
    about = item.get(f"{{{RDF}}}about")
    if about is not None and guid_element is not None:
        raise Refused("rdf:about and a guid")
    link = _last_link(links, guid_element, base)
    guid = about if about is not None else _guid(guid_element, base)
    summary, content = _summary_and_content(texts, version)
    published = _date(singles.get("published")) or _date(singles.get("updated"))
    return EntryFields(
        title=_title(titles),
        link=link,
        guid=guid,
        summary=summary,
        content=content,
        published=published,
        source_title=_source_title(singles.get("source")),
    )


def _elements(item: Any, depth: int = 1) -> Any:
    """(element, depth) for the elements feedparser may read inside `item`: its children,
    and elements nested in children this module does not read whole."""
    for child in item:
        if not isinstance(child.tag, str):
            continue
        key = _key(child)
        if key in _FIELDS:
            yield child, depth
        elif len(child):
            yield from _elements(child, depth + 1)


def _holds_fields(element: Any) -> bool:
    return any(
        _key(inner) in _FIELDS for inner in element.iterdescendants() if isinstance(inner.tag, str)
    )


def _title(titles: list[tuple[Any, int]]) -> str:
    """feedparser keeps the first non-empty title; a media:title only fills a gap."""
    title, stored_at, blocking = "", None, -1
    for element, depth in titles:
        _check_type(element, "text/plain")
        value = _text(element)
        if -1 < blocking <= depth:
            continue
        if stored_at is None or depth <= stored_at:
            title, stored_at = value, depth
        if value and _key(element) != _MEDIA_TITLE:
            blocking = depth
    return title


def _last_link(links: list[str | None], guid: Any, base: str) -> str | None:
    """The last link feedparser set (a link element, an alternate atom:link), else a
    permalink guid or an Atom id, which feedparser takes as the link where none is."""
    given = [link for link in links if link is not None]
    if given:
        return given[-1]
    if guid is not None and _is_permalink(guid):
        return _guid(guid, base)
    return None


def _is_permalink(element: Any) -> bool:
    """feedparser reads attribute names in any case, and only "true" as true."""
    value = _attribute(element, "ispermalink")
    return (value if value is not None else "true") == "true"


def _guid(element: Any, base: str) -> str | None:
    if element is None:
        return None
    value = _text(element, fix=False)
    # feedparser resolves an id against the base unless isPermaLink="false".
    return _fix(_resolve(base, value) if value and _is_permalink(element) else value) or None


def _summary_and_content(texts: list[tuple[Any, int]], version: str) -> tuple[str, str | None]:
    """feedparser's summary and first content: a summary element fills the summary; a
    second one, while there is no content, is read as content; content fills an empty
    summary. Of two summaries the shallower wins (its property depth rule)."""
    summary: str | None = None
    summary_at: int | None = None
    contents: list[str] = []
    for element, depth in texts:
        key = _key(element)
        if key in _SUMMARY and (summary is None or contents):
            _check_type(element, "text/plain")
            value = _text(element)
            if summary_at is None or depth <= summary_at:
                summary, summary_at = value, depth
            continue
        kind = _content_type(element, _CONTENT.get(key, "text/plain"))
        if element.get("src") is not None or kind not in ("text/plain", "text/html"):
            raise Refused("content by reference, or neither text nor HTML")
        contents.append(_text(element))
        if summary is None:
            summary = contents[-1]
    return summary or "", contents[0] if contents else None


def _check_type(element: Any, default: str) -> None:
    """Plain text or HTML only: feedparser decodes other types as base64 (Atom) and
    serialises XHTML, neither of which this module does."""
    if _content_type(element, default) not in ("text/plain", "text/html"):
        raise Refused(f"{element.tag} of type {element.get('type')}")


def _content_type(element: Any, default: str) -> str:
    if element.get("mode") is not None:  # Atom 0.3's base64 and escaped modes
        raise Refused("content mode")
    kind = str(element.get("type", default)).lower()
    return {"text": "text/plain", "html": "text/html", "xhtml": "application/xhtml+xml"}.get(
        kind, kind
    )


def _source_title(element: Any) -> str | None:
    if element is None:
        return None
    title: str = _text(element)
    return title or None


def _link(element: Any, base: str, *, entry: bool) -> str | None:
    """What a link element sets as the link: its text, or for one with an href (an
    atom:link) the href if it is the alternate HTML page; None if it sets nothing."""
    href = _attribute(element, "url", "uri", "href")
    if href is None:
        return _fixed_link(_resolve(base, _text(element, fix=False)), entry=entry)
    rel = _attribute(element, "rel") or "alternate"
    kind = _attribute(element, "type") or ("application/atom+xml" if rel == "self" else "text/html")
    if rel == "alternate" and kind.lower() in _HTML_LINK_TYPES:
        return _resolve(base, href)
    return None


def _attribute(element: Any, *names: str) -> str | None:
    """The first of `names` the element has, matched in any case as feedparser does."""
    attributes = {str(k).lower(): str(v) for k, v in element.attrib.items()}
    return next((attributes[name] for name in names if name in attributes), None)


def _date(element: Any) -> datetime | None:
    if element is None:
        return None
    parsed = _parse_date(_text(element))
    if not parsed:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _text(element: Any, fix: bool = True) -> str:
    """An element's text as feedparser's strict parser gives it: stripped, with its
    repairs of text decoded twice and of C1 controls. Markup inside is not text."""
    if len(element):
        raise Refused(f"markup inside {element.tag}")
    value: str = (element.text or "").strip()
    return _fix(value) if fix else value


def _fix(value: str) -> str:
    if value.isascii():
        return value
    # feedparser undoes UTF-8 read as Latin-1 (mojibake), then maps C1 controls.
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    # str.translate walks the whole string in Python objects: only where there is a C1.
    return value.translate(_CP1252) if _C1_CONTROL.search(value) else value


def _fixed_link(value: str, *, entry: bool) -> str:
    """feedparser's repair of `&amp;` (an entry's link) and `&name;` in link text."""
    value = _fix(value)
    if "&" in value:
        if entry:
            value = value.replace("&amp;", "&")
        value = _ENTITY_LIKE.sub(r"&\g<1>", value)
    return value


def _resolve(base: str, uri: str) -> str:
    """feedparser's `_urljoin(base, uri)`, without its cost for the common case: an
    absolute http(s) URL that urljoin would give back unchanged (issue 13: `_urljoin`
    was a sixth of all parse time)."""
    if uri.isascii() and _PLAIN_ABSOLUTE.match(uri):
        return uri
    resolved: str = _urljoin(base, uri)
    return resolved


@functools.lru_cache(maxsize=512)
def _key_of(tag: str, prefix: str | None) -> Key:
    namespace, name = _split(tag)
    lowered = namespace.lower()
    known = "" if "backend.userland.com/rss" in lowered else _PREFIXES.get(lowered)
    return (prefix or "" if known is None else known), name.lower()


def _key(element: Any) -> Key:
    """The name feedparser dispatches this element on: (its prefix, lower-cased name)."""
    return _key_of(element.tag, element.prefix)


def _children(element: Any, namespace: str, name: str) -> Any:
    tag = f"{{{namespace}}}{name}" if namespace else name
    return element.iterchildren(tag)


def _split(tag: str) -> tuple[str, str]:
    if tag[0] == "{":
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag
