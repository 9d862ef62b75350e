"""The straight-line shell that joins the stages: files → parse → store; feeds → fetch →
parse → store. Each stage is a module of its own; this one only calls them in order."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from monitor.config import FeedConfig, FetchConfig
from monitor.fetch import ByteBudget, Fetcher, FetchRequest, FetchResult
from monitor.models import FileError, ImportReport
from monitor.parse import ParseError, parse_file
from monitor.parsing import ParsePool, parse_workers
from monitor.store import FeedRow, FetchOutcome, Store

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- import -----------------------------------------------------------------------------


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and files under folders named (sorted, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and not any(part.startswith(".") for part in relative):
                    yield child
        else:
            yield path


def import_file(store: Store, path: Path, now: datetime) -> ImportReport:
    report = ImportReport()
    try:
        articles, problems = parse_file(path)
    except FileNotFoundError:
        report.errors.append(FileError(str(path), "no such file or folder"))
        return report
    except IsADirectoryError:
        report.errors.append(FileError(str(path), "is a folder"))
        return report
    except PermissionError:
        report.errors.append(FileError(str(path), "permission denied"))
        return report
    except ParseError as exc:
        report.errors.append(FileError(str(path), str(exc)))
        return report
    except Exception as exc:  # a parser bug must cost one file, not the whole import
        report.errors.append(FileError(str(path), f"unexpected {type(exc).__name__}: {exc}"))
        return report
    report.errors.extend(FileError(str(path), problem) for problem in problems)
    counts = store.insert_articles(articles, now=now)
    report.new, report.duplicates = counts.new, counts.duplicates
    return report


def import_paths(store: Store, paths: Iterable[Path], clock: Clock = utcnow) -> ImportReport:
    """Import every file under the paths; an unreadable file is an error entry."""
    report = ImportReport()
    for path in iter_files(paths):
        report.add(import_file(store, path, clock()))
    return report


# --- fetch ------------------------------------------------------------------------------


@dataclass(slots=True)
class PollReport:
    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    new_articles: int = 0
    duplicates: int = 0
    errors: list[FileError] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "feeds": self.feeds,
            "ok": self.ok,
            "not_modified": self.not_modified,
            "new": self.new_articles,
            "duplicates": self.duplicates,
            "errors": [{"feed": e.path, "error": e.error} for e in self.errors],
        }


def next_due(
    now: datetime,
    interval_s: float,
    error_count: int,
    max_backoff_s: float,
    retry_after_s: float | None = None,
    spread_s: float = 0.0,
) -> datetime:
    """When to poll again: the interval, doubled per consecutive failure up to a cap,
    and never sooner than the server's Retry-After. `spread_s` (random, from the caller)
    keeps feeds added together from being polled together forever."""
    delay = interval_s * (2 ** min(error_count, 16)) if error_count else interval_s
    delay = min(delay, max(max_backoff_s, interval_s)) + spread_s
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return now + timedelta(seconds=delay)


def make_parse_pool(config: FetchConfig) -> ParsePool:
    """Where a cycle's bodies are parsed (see parsing.py): the daemon keeps one for its
    life; workers start only for large bodies and stop after a cycle without any."""
    return ParsePool(parse_workers(config.parse_workers))


async def _poll_one(
    store: Store,
    config: FetchConfig,
    fetcher: Fetcher,
    parser: ParsePool,
    feed: FeedRow,
    clock: Clock,
    report: PollReport,
    jitter: float,
) -> None:
    started = clock()
    result = await fetcher.fetch(FetchRequest(feed.url, feed.etag, feed.last_modified))
    try:
        await _store_result(store, config, parser, feed, started, result, clock, report, jitter)
    finally:
        fetcher.release(result)  # its body's bytes are free once its articles are stored


async def _store_result(
    store: Store,
    config: FetchConfig,
    parser: ParsePool,
    feed: FeedRow,
    started: datetime,
    result: FetchResult,
    clock: Clock,
    report: PollReport,
    jitter: float,
) -> None:
    interval = feed.interval_s or config.default_interval
    outcome = "ok"
    error = result.error
    entries = new = None
    if result.not_modified:
        outcome = "not_modified"
    elif result.body is not None:
        try:
            parsed = await parser.parse(result.body, result.final_url, result.headers, feed.url)
        except ParseError as exc:
            error = str(exc)
        except Exception as exc:  # one broken feed never stops the cycle
            error = f"parser failed: {type(exc).__name__}: {exc}"
        else:
            counts = store.insert_articles(parsed.articles, now=clock(), feed_id=feed.id)
            entries, new = len(parsed.articles), counts.new
            error = parsed.malformed
            report.new_articles += counts.new
            report.duplicates += counts.duplicates
    if error is not None:
        outcome = "error"
        report.errors.append(FileError(feed.url, error))
    elif outcome == "ok":
        report.ok += 1
    else:
        report.not_modified += 1
    errors_after = feed.error_count + 1 if error is not None else 0
    store.record_fetch(
        feed.id,
        FetchOutcome(
            outcome=outcome,
            started_at=started,
            duration_ms=result.elapsed_ms,
            next_due_at=next_due(
                clock(),
                interval,
                errors_after,
                config.max_backoff,
                result.retry_after_s,
                spread_s=random.uniform(0, interval * jitter),
            ),
            status_code=result.status_code,
            final_url=result.final_url,
            etag=result.etag,
            last_modified=result.last_modified,
            bytes=len(result.body) if result.body is not None else None,
            entries=entries,
            new_articles=new,
            error=error,
        ),
    )


def _record_failure(
    store: Store, config: FetchConfig, feed: FeedRow, now: datetime, error: str
) -> None:
    """Record a feed's failure that _poll_one could not, so it backs off like any other."""
    errors_after = feed.error_count + 1
    interval = feed.interval_s or config.default_interval
    store.record_fetch(
        feed.id,
        FetchOutcome(
            outcome="error",
            started_at=now,
            duration_ms=0,
            next_due_at=next_due(now, interval, errors_after, config.max_backoff),
            error=error,
        ),
    )


async def poll_feeds(
    store: Store,
    config: FetchConfig,
    feeds: list[FeedRow],
    *,
    clock: Clock = utcnow,
    transport: httpx.AsyncBaseTransport | None = None,
    parser: ParsePool | None = None,
    jitter: float = 0.0,
) -> PollReport:
    """One poll cycle over the given feeds. Per-feed failures are reported, not raised.
    `parser` parses (the daemon keeps one for its life; by default one per cycle);
    `jitter` spreads each feed's next poll by up to that share of its interval."""
    report = PollReport(feeds=len(feeds))
    # Backpressure: a feed holds its slot from request until its articles are stored, so
    # bodies waiting for the (slower) parse pool never exceed `concurrency` in memory.
    slots = asyncio.Semaphore(config.concurrency)

    async def guarded(feed: FeedRow, parser: ParsePool) -> None:
        async with slots:
            try:
                await _poll_one(store, config, fetcher, parser, feed, clock, report, jitter)
            except Exception as exc:  # a bug or a surprise costs this feed, not the cycle
                error = f"unexpected {type(exc).__name__}: {exc}"
                report.errors.append(FileError(feed.url, error))
                _record_failure(store, config, feed, clock(), error)

    # ... and bodies together never exceed `max_bytes_in_flight`, however large each is.
    budget = ByteBudget(config.max_bytes_in_flight)
    async with Fetcher(config, transport=transport, budget=budget) as fetcher:
        if parser is not None:
            await asyncio.gather(*(guarded(feed, parser) for feed in feeds))
            parser.end_cycle()
        else:
            with make_parse_pool(config) as own:
                await asyncio.gather(*(guarded(feed, own) for feed in feeds))
    return report


def feeds_as_configured(rows: list[FeedRow], feeds: Iterable[FeedConfig]) -> list[FeedRow]:
    """The feed rows as they will be once the config's [[feeds]] are written: config
    feeds added or refreshed (a value the config leaves out keeps the stored one) and
    active, config feeds no longer configured retired. Pure, so read commands can show
    the configured feeds without writing the database."""
    configured = {feed.url: feed for feed in feeds}
    result = []
    for row in rows:
        feed = configured.pop(row.url, None)
        if feed is not None:
            row = replace(
                row,
                title=feed.title if feed.title is not None else row.title,
                topic=feed.topic if feed.topic is not None else row.topic,
                interval_s=feed.interval if feed.interval is not None else row.interval_s,
                # A feed the operator disabled stays off though the config lists it.
                active=not row.disabled,
            )
        elif row.origin == "config" and row.active:
            row = replace(row, active=False)
        result.append(row)
    for feed in configured.values():
        result.append(
            FeedRow(
                id=0,  # not stored yet
                url=feed.url,
                title=feed.title,
                topic=feed.topic,
                interval_s=feed.interval,
                origin="config",
                active=True,
                etag=None,
                last_modified=None,
                last_polled_at=None,
                last_ok_at=None,
                next_due_at=None,
                error_count=0,
                last_error=None,
            )
        )
    return result


def sync_config_feeds(store: Store, feeds: Iterable[FeedConfig], now: datetime) -> None:
    """Make the config's [[feeds]] the active config feeds in the database: in one
    transaction, and only if the database differs (most runs write nothing)."""
    configured = list(feeds)
    if feeds_as_configured(store.feeds(active_only=False), configured) == store.feeds(
        active_only=False
    ):
        return
    with store.transaction():
        for feed in configured:
            store.upsert_feed(
                feed.url,
                origin="config",
                now=now,
                title=feed.title,
                topic=feed.topic,
                interval_s=feed.interval,
            )
        store.retire_config_feeds(feed.url for feed in configured)
