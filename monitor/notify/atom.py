"""An Atom feed of changes (RFC 4287), so any feed reader can subscribe to the monitor.
Entry ids are stable (the change's key), so a reader never shows a change twice.

Written with ElementTree: feedgen 1.0.0 drops the `rel` of every entry link (its
atom_entry() shadows the loop variable), which would turn "related" sources into
"alternate" ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from monitor.notify import policy_label
from monitor.parse import parse_date

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:policy-monitor:changes"


def render_atom(
    changes: Sequence[dict[str, Any]], now: datetime, *, link: str | None = None
) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", FEED_ID)
    _text(feed, "title", "policy-monitor: ban and moratorium changes")
    _text(feed, "subtitle", "Status changes of tracked bans and moratoriums, with evidence.")
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "policy-monitor")
    if link:
        ET.SubElement(feed, f"{{{ATOM}}}link", href=link, rel="self")
    _text(feed, "updated", _stamp(now))
    for record in sorted(changes, key=lambda c: c["id"], reverse=True):
        feed.append(_entry(record, now))
    ET.indent(feed)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _entry(record: dict[str, Any], now: datetime) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    _text(entry, "id", f"urn:policy-monitor:change:{record['key']}")
    _text(entry, "title", f"{policy_label(record)}: {record['change']}")
    created = parse_date(record["created_at"]) or now
    _text(entry, "updated", _stamp(created))
    effective = parse_date(record["effective"])
    if effective is not None:
        _text(entry, "published", _stamp(effective))
    until = f", until {record['until']}" if record["until"] else ""
    _text(
        entry,
        "content",
        f"{record['status_before']} → {record['status_after']}, effective "
        f"{record['effective']}{until}. “{record['evidence']}”",
    ).set("type", "text")
    for index, url in enumerate(record["sources"]):
        rel = "alternate" if index == 0 else "related"
        ET.SubElement(entry, f"{{{ATOM}}}link", href=url, rel=rel)
    ET.SubElement(entry, f"{{{ATOM}}}category", term=record["change"])
    return entry


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
