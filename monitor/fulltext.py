"""The whole article behind a feed item: fetch the page it links to and keep its main
text, so the engine reads the article, not the feed's one-line summary.

Only items that pass the rules' keyword prefilter are fetched (most news is about
something else), with the feed fetcher and its rules: size cap, deadline, per-host
politeness, the SSRF guard of `allow_private`, refused redirects. A page that cannot be
fetched or has no extractable text is recorded with its error, and the item is then
evaluated on what the feed gave. Main-text extraction is trafilatura's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import trafilatura

from monitor.config import FetchConfig
from monitor.fetch import Fetcher, FetchRequest, FetchResult
from monitor.store import PageOutcome, Store

log = logging.getLogger("policy_monitor.fulltext")

# Pages fetched per pass; the rest wait for the next pass (evaluation is not held up).
PAGES_PER_PASS = 100
# Shorter than this, the "article" is a cookie wall or an index page, not a report.
MIN_TEXT_CHARS = 200
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class PagesReport:
    fetched: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def extract_main_text(html: bytes, url: str) -> str | None:
    """The article's main text (paragraphs, no navigation, comments or boilerplate), or
    None if the page has none worth reading."""
    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    if not text or len(text.strip()) < MIN_TEXT_CHARS:
        return None
    return str(text).strip()


def page_outcome(result: FetchResult, text: str | None, now: datetime) -> PageOutcome:
    error = result.error
    if error is None and text is None:
        error = "no article text found on the page"
    return PageOutcome(
        url=result.url,
        fetched_at=now,
        final_url=result.final_url,
        status_code=result.status_code,
        etag=result.etag,
        last_modified=result.last_modified,
        text=text,
        error=error,
    )


def _is_html(result: FetchResult) -> bool:
    kind = result.headers.get("content-type", "text/html").split(";")[0].strip().lower()
    return kind in HTML_TYPES


async def fetch_page(fetcher: Fetcher, url: str, now: Callable[[], datetime]) -> PageOutcome:
    """One page, fetched and extracted. Every failure is the outcome's error."""
    result = await fetcher.fetch(FetchRequest(url))
    try:
        if result.body is None:
            return page_outcome(result, None, now())
        if not _is_html(result):
            kind = result.headers.get("content-type", "")
            return page_outcome(
                FetchResult(
                    url=result.url,
                    final_url=result.final_url,
                    elapsed_ms=result.elapsed_ms,
                    status_code=result.status_code,
                    error=f"not an HTML page ({kind})",
                ),
                None,
                now(),
            )
        # trafilatura is pure Python and slow on big pages: off the event loop.
        text = await asyncio.to_thread(extract_main_text, result.body, result.final_url)
        return page_outcome(result, text, now())
    finally:
        fetcher.release(result)


async def complete_articles(
    store: Store,
    has_keyword: Callable[[str], bool],
    config: FetchConfig,
    now: Callable[[], datetime],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> PagesReport:
    """Fetch the pages of the feed items not yet evaluated that pass the keyword
    prefilter (the rules' `Engine._has_keyword`), and store their main text."""
    report = PagesReport()
    rows = store.articles_without_page(PAGES_PER_PASS)
    wanted = [
        row
        for row in rows
        if has_keyword(row["title"] or "")
        or has_keyword("\n".join(p for p in (row["summary"], row["text"]) if p))
    ]
    if not wanted:
        return report
    async with Fetcher(config, transport) as fetcher:
        outcomes = await asyncio.gather(*(fetch_page(fetcher, row["url"], now) for row in wanted))
    for row, outcome in zip(wanted, outcomes, strict=True):
        store.record_page(row["id"], outcome)
        if outcome.error is None:
            report.fetched += 1
        else:
            report.failed += 1
            report.errors.append(f"{outcome.url}: {outcome.error}")
            log.info("article page not used: %s: %s", outcome.url, outcome.error)
    return report
