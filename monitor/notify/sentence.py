"""A change said as a reader would say it, and its sources as outlets with headlines:
shared by the email digest and the dashboard, so both tell the same story. Pure."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

import nh3

LINK_SCHEMES = ("http://", "https://")


def safe_url(url: str | None) -> str | None:
    """The URL if it may be linked to (http or https), else None: a feed's
    `javascript:` or `data:` link must never become a link."""
    if url and url.strip().lower().startswith(LINK_SCHEMES):
        return url.strip()
    return None


def plain(text: str | None) -> str:
    """Feed text without any markup (templates escape what is left)."""
    return html.unescape(nh3.clean(text or "", tags=set())).strip()


def outlet_name(link: dict[str, Any]) -> str:
    """The outlet's name, else the site's host without `www.`."""
    if link.get("outlet"):
        return plain(link["outlet"])
    host = urlsplit(link.get("url") or "").hostname or "source"
    return host.removeprefix("www.")


def source_links(record: dict[str, Any]) -> list[dict[str, str]]:
    """A change's sources that can be linked: outlet, headline, URL."""
    links = []
    for link in record.get("links", []):
        url = safe_url(link.get("url"))
        if url is not None:
            links.append({"url": url, "outlet": outlet_name(link), "title": plain(link["title"])})
    return links


def measure_name(record: dict[str, Any]) -> str:
    """What kind of measure the change is about: a moratorium or a ban."""
    statuses = (record["status_after"], record["status_before"])
    return "moratorium" if "moratorium" in statuses else "ban"


def measure_object(record: dict[str, Any]) -> str:
    """ "on police use of facial recognition", "on facial recognition", or nothing."""
    subject, scope = record.get("subject"), record.get("scope")
    if subject and scope:
        return f" on {scope} use of {subject}"
    if subject:
        return f" on {subject}"
    if scope:
        return f" on {scope}"
    return ""


def until_phrase(until: str | None) -> str:
    if until == "indefinite":
        return "indefinitely"
    return f"until {until}" if until else ""


def change_sentence(record: dict[str, Any]) -> str:
    """ "Amazon extended its moratorium on police use of facial recognition — now
    indefinite" for a change record (as `timeline --json` prints it)."""
    actor = record["actor"] or "Someone"
    measure = measure_name(record) + measure_object(record)
    # "— now indefinite" reads better in a sentence than "— now indefinitely".
    until = "indefinite" if record.get("until") == "indefinite" else until_phrase(record["until"])
    kind = record["change"]
    if kind == "imposed":
        sentence = f"{actor} imposed a {measure}" + (f" — {until}" if until else "")
    elif kind == "extended":
        sentence = f"{actor} extended its {measure}" + (f" — now {until}" if until else "")
    elif kind == "lifted":
        sentence = f"{actor} lifted its {measure}"
    elif kind == "expired":
        sentence = f"{actor}'s {measure} expired"
        if record.get("presumed"):
            sentence += " (presumed: its end date passed with no extension reported)"
    elif kind == "blocked":
        sentence = f"A court blocked {actor}'s {measure}"
    elif kind == "proposed":
        sentence = f"{actor} proposed a {measure}"
    elif kind in ("expanded", "narrowed"):
        sentence = f"{actor} {kind} its {measure}" + (f" — now {until}" if until else "")
    else:
        sentence = f"{actor}: {kind} {measure}"
    return sentence
