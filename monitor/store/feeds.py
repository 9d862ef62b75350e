"""The feeds table and the fetch log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.store.base import StoreBase, iso


@dataclass(frozen=True, slots=True)
class FeedRow:
    id: int
    url: str
    title: str | None
    topic: str | None
    interval_s: float | None
    origin: str
    active: bool
    etag: str | None
    last_modified: str | None
    last_polled_at: str | None
    last_ok_at: str | None
    next_due_at: str | None
    error_count: int
    last_error: str | None
    disabled: bool = False  # by the operator (`feeds disable`); never polled until enabled


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    """What one poll of one feed did, for the feed's row and the fetch log."""

    outcome: str  # ok | not_modified | error
    started_at: datetime
    duration_ms: int
    next_due_at: datetime
    status_code: int | None = None
    final_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    bytes: int | None = None
    entries: int | None = None
    new_articles: int | None = None
    error: str | None = None


class FeedsTable(StoreBase):
    # --- feeds --------------------------------------------------------------------------

    def upsert_feed(
        self,
        url: str,
        *,
        origin: str,
        now: datetime,
        title: str | None = None,
        topic: str | None = None,
        interval_s: float | None = None,
    ) -> int:
        """Add a feed or refresh its settings; keeps its fetch state. Returns its id."""
        with self.transaction():
            self.db.execute(
                """INSERT INTO feeds (url, title, topic, interval_s, origin, active, added_at)
                   VALUES (?, ?, ?, ?, ?, 1, ?)
                   ON CONFLICT(url) DO UPDATE SET
                     title = coalesce(excluded.title, feeds.title),
                     topic = coalesce(excluded.topic, feeds.topic),
                     interval_s = coalesce(excluded.interval_s, feeds.interval_s),
                     active = feeds.disabled_at IS NULL""",
                [url, title, topic, interval_s, origin, iso(now)],
            )
            row = self.db.execute("SELECT id FROM feeds WHERE url = ?", [url]).fetchone()
        return int(row[0])

    def retire_config_feeds(self, keep_urls: Iterable[str]) -> int:
        """Deactivate feeds that came from the config and are no longer in it."""
        keep = list(keep_urls)
        marks = ",".join("?" * len(keep)) or "NULL"
        with self.transaction():
            cursor = self.db.execute(
                f"UPDATE feeds SET active = 0 WHERE origin = 'config' AND active = 1"
                f" AND url NOT IN ({marks})",
                keep,
            )
        return int(cursor.rowcount)

    def set_feed_disabled(self, url: str, disabled: bool, now: datetime) -> None:
        """Turn a feed off (kept, with its articles, but never polled) or on again."""
        with self.transaction():
            self.db.execute(
                "UPDATE feeds SET disabled_at = ?, active = ? WHERE url = ?",
                [iso(now) if disabled else None, int(not disabled), url],
            )

    def remove_feed(self, url: str) -> int:
        """Delete a feed and its fetch log; its articles stay. Returns the articles kept."""
        with self.transaction():
            row = self.db.execute(
                "SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE f.url = ?",
                [url],
            ).fetchone()
            self.db.execute("DELETE FROM feeds WHERE url = ?", [url])
        return int(row[0])

    def feeds(self, *, active_only: bool = True) -> list[FeedRow]:
        where = "WHERE active = 1" if active_only else ""
        return [_feed_row(r) for r in self._rows(f"SELECT * FROM feeds {where} ORDER BY id")]

    def feed_by_url(self, url: str) -> FeedRow | None:
        rows = self._rows("SELECT * FROM feeds WHERE url = ?", [url])
        return _feed_row(rows[0]) if rows else None

    def due_feeds(self, now: datetime) -> list[FeedRow]:
        rows = self._rows(
            "SELECT * FROM feeds WHERE active = 1 AND (next_due_at IS NULL OR next_due_at <= ?)"
            " ORDER BY next_due_at IS NOT NULL, next_due_at, id",
            [iso(now)],
        )
        return [_feed_row(r) for r in rows]

    def record_fetch(self, feed_id: int, result: FetchOutcome) -> None:
        """Store the outcome of one poll: the feed's state and a fetch-log row, together."""
        failed = result.outcome == "error"
        with self.transaction():
            self.db.execute(
                """UPDATE feeds SET
                     last_polled_at = :started,
                     last_ok_at = CASE WHEN :failed THEN last_ok_at ELSE :started END,
                     etag = CASE WHEN :failed THEN etag ELSE coalesce(:etag, etag) END,
                     last_modified = CASE WHEN :failed THEN last_modified
                                          ELSE coalesce(:modified, last_modified) END,
                     error_count = CASE WHEN :failed THEN error_count + 1 ELSE 0 END,
                     last_error = CASE WHEN :failed THEN :error ELSE NULL END,
                     next_due_at = :due
                   WHERE id = :id""",
                {
                    "started": iso(result.started_at),
                    "failed": failed,
                    "etag": result.etag,
                    "modified": result.last_modified,
                    "error": result.error,
                    "due": iso(result.next_due_at),
                    "id": feed_id,
                },
            )
            self.db.table("fetch_log").insert(
                {
                    "feed_id": feed_id,
                    "started_at": iso(result.started_at),
                    "duration_ms": result.duration_ms,
                    "outcome": result.outcome,
                    "status_code": result.status_code,
                    "final_url": result.final_url,
                    "bytes": result.bytes,
                    "entries": result.entries,
                    "new_articles": result.new_articles,
                    "error": result.error,
                }
            )


def _feed_row(row: dict[str, Any]) -> FeedRow:
    return FeedRow(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        topic=row["topic"],
        interval_s=row["interval_s"],
        origin=row["origin"],
        active=bool(row["active"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_polled_at=row["last_polled_at"],
        last_ok_at=row["last_ok_at"],
        next_due_at=row["next_due_at"],
        error_count=row["error_count"],
        last_error=row["last_error"],
        disabled=row.get("disabled_at") is not None,
    )
