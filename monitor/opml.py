"""OPML in and out: the feed-list format every feed reader speaks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from monitor.parse import ParseError, refuse_hostile_xml
from monitor.store import FeedRow, iso


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str | None
    topic: str | None


def read_opml(data: bytes) -> list[OpmlFeed]:
    """Feeds from an OPML document; the enclosing outline's text becomes the topic."""
    refuse_hostile_xml(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ParseError(f"not valid OPML (XML error: {exc})") from None
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ParseError("not an OPML document: no <opml><body>")
    feeds: list[OpmlFeed] = []

    def walk(node: ET.Element, topic: str | None) -> None:
        for outline in node.findall("outline"):
            url = outline.get("xmlUrl") or outline.get("xmlurl")
            label = outline.get("title") or outline.get("text")
            if url:
                feeds.append(OpmlFeed(url.strip(), label, topic))
            else:
                walk(outline, label or topic)

    walk(body, None)
    return feeds


def write_opml(feeds: list[FeedRow], now: datetime) -> str:
    """An OPML 2.0 document of the feeds, grouped by topic."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = "policy-monitor feeds"
    ET.SubElement(head, "dateCreated").text = iso(now)
    body = ET.SubElement(root, "body")
    groups: dict[str | None, ET.Element] = {}
    for feed in feeds:
        parent = body
        if feed.topic:
            if feed.topic not in groups:
                groups[feed.topic] = ET.SubElement(body, "outline", text=feed.topic)
            parent = groups[feed.topic]
        label = feed.title or feed.url
        ET.SubElement(parent, "outline", type="rss", text=label, title=label, xmlUrl=feed.url)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
