"""Identity of articles: canonical URLs, guid keys and content hashes. Pure functions.

Dedupe order (see store.insert_articles): canonical URL, then guid, then content hash.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from monitor.models import Article, KeyedArticle

# Publication dates outside these bounds are a feed's error, not news: they are stored as
# unknown, so they neither sort first forever nor make the engine reason about year 1.
EARLIEST_PUBLISHED = datetime(1900, 1, 1, tzinfo=UTC)
# A little ahead is a time zone or a fast clock; more is a typo or a placeholder.
FUTURE_SLACK = timedelta(days=2)

# Query parameters that identify a campaign or a click, never the page.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "vero_", "oly_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mkt_tok",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "icid",
        "ocid",
        "ncid",
        "sr_share",
        "s_cid",
        "spm",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "share",
        "smid",
        "rss",
        "feature",
        "src",
        "cid",
    }
)
# Query parameters whose only job is to ask for the AMP rendering.
_AMP_PARAMS = frozenset({"amp", "_amp", "outputtype", "amp_js_v", "usqp"})
_AMP_CACHE_PATH = re.compile(r"^/[cv]/(?:s/)?(.+)$")
_WHITESPACE = re.compile(r"\s+")


def _is_tracking(name: str, value: str) -> bool:
    lower = name.lower()
    if lower in _TRACKING_NAMES or lower.startswith(_TRACKING_PREFIXES):
        return True
    return lower in _AMP_PARAMS and value.lower() in ("", "1", "true", "amp")


def _from_amp_cache(url: str) -> str:
    """https://www-example-com.cdn.ampproject.org/c/s/www.example.com/x → https://www.example.com/x"""
    parts = urlsplit(url)
    if not parts.netloc.endswith(".cdn.ampproject.org"):
        return url
    match = _AMP_CACHE_PATH.match(parts.path)
    if not match:
        return url
    secure = parts.path.startswith(("/c/s/", "/v/s/"))
    inner = ("https://" if secure else "http://") + match.group(1)
    return inner + (f"?{parts.query}" if parts.query else "")


def _canonical_path(path: str) -> str:
    """Drop AMP path variants (/story/amp, /amp/story, .amp.html) and a trailing slash."""
    if path.endswith(("/amp", "/amp/")):
        path = path[: path.rindex("/amp")] or "/"
    elif path.startswith("/amp/"):
        path = path[len("/amp") :]
    path = path.replace(".amp.html", ".html")
    # /story/ and /story are one page on nearly every site; keep the root as "/".
    return path.rstrip("/") or "/"


def canonical_url(url: str | None) -> str | None:
    """The URL that names the page: no tracking parameters, no AMP variant, no fragment.

    Returns None for anything that is not an absolute http(s) URL.
    """
    if not url:
        return None
    url = _from_amp_cache(url.strip())
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name, value)
    ]
    path = _canonical_path(parts.path or "/")
    rebuilt = urlunsplit((parts.scheme.lower(), parts.netloc, path, urlencode(query), ""))
    canonical: str = canonicalize_url(rebuilt, keep_fragments=False)
    return canonical


def guid_key(guid: str | None, origin: str | None) -> str | None:
    """A guid that is a URL or URN is global; any other is unique only within its feed."""
    if not guid:
        return None
    guid = guid.strip()
    if "://" in guid or guid.lower().startswith(("urn:", "tag:")):
        return guid
    return f"{origin or ''}#{guid}"


def normalise_text(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def content_hash(article: Article) -> str:
    """Same words in title and text give the same hash, whatever the spacing or case."""
    basis = normalise_text(f"{article.title}\n{article.text}").casefold()
    return hashlib.blake2b(basis.encode("utf-8"), digest_size=16).hexdigest()


def keyed(article: Article) -> KeyedArticle:
    """The article with its dedupe keys: canonical URL, guid key and content hash."""
    return KeyedArticle(
        article=article,
        canonical_url=canonical_url(article.url),
        guid_key=guid_key(article.guid, article.origin),
        content_hash=content_hash(article),
    )


def plausible_published(published: datetime | None, now: datetime) -> datetime | None:
    """The publication date if it could be one (1900 to two days from now), else None."""
    if published is None:
        return None
    aware = published if published.tzinfo is not None else published.replace(tzinfo=UTC)
    if aware < EARLIEST_PUBLISHED or aware > now + FUTURE_SLACK:
        return None
    return published
